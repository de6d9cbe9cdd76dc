import { type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { type AuditPort } from '../audit/contract';
import { type ImplementationsOf } from '../platform/activity-registration';
import { topicNames } from '../platform/declarations';
import { type Platform } from '../platform';
import { lazy } from '../platform/lazy';
import { type TenantStore } from '../tenants/store';
import { accessImplementations } from './activities';
import { type accessActivities } from './contract';
import { accessHandlers, type AccessHandlers } from './handlers';
import { startScheduledRotationHandler } from './start-rotation';
import { AccessStore } from './store';

export interface AccessCapability {
  readonly store: AccessStore;
  /** The privileged-access routes of the operator API (their rows: access/routes.ts). */
  readonly handlers: AccessHandlers;
  readonly activities: ImplementationsOf<typeof accessActivities>;
  /** The daily timer that starts the scheduled rotation run. */
  readonly startScheduledRotation: (timer: Timer, context: InvocationContext) => Promise<string>;
}

export type AccessPlatform = Pick<Platform, 'container' | 'sender' | 'secrets' | 'tenantClients'>;

export function accessWiring(
  platform: AccessPlatform,
  tenants: TenantStore,
  audit: AuditPort,
): AccessCapability {
  const now = () => new Date();
  const access: AccessCapability = lazy<AccessCapability>({
    store: () => new AccessStore(platform.container('credentials')),
    handlers: () =>
      accessHandlers({
        store: access.store,
        secrets: platform.secrets,
        tenants,
        audit,
        events: platform.sender(topicNames.credentialEvents),
        alerts: platform.sender(topicNames.operationsAlerts),
        durable: (context) => df.getClient(context),
        now,
      }),
    activities: () =>
      accessImplementations({
        store: access.store,
        secrets: platform.secrets,
        tenants,
        tenantApis: (tenant) => platform.tenantClients.forTenant(tenant),
        audit,
        events: platform.sender(topicNames.credentialEvents),
        alerts: platform.sender(topicNames.operationsAlerts),
        now,
      }),
    startScheduledRotation: () => startScheduledRotationHandler((context) => df.getClient(context)),
  });
  return access;
}
