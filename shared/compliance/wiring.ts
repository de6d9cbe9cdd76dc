import { type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { type AuditPort } from '../audit/contract';
import { type ImplementationsOf } from '../platform/activity-registration';
import { blobContainers, queueNames, topicNames } from '../platform/declarations';
import { type Platform } from '../platform';
import { lazy } from '../platform/lazy';
import { type TelemetryCapability } from '../telemetry/wiring';
import { freshnessAt } from '../telemetry/views';
import { type TenantStore } from '../tenants/store';
import { complianceImplementations } from './activities';
import { complianceBaseline } from './baseline/rules';
import { type complianceActivities } from './contract';
import { type TelemetryState } from './facts';
import { complianceHandlers, type ComplianceHandlers } from './handlers';
import { remediationHandler } from './remediation';
import { sweepTimerHandler } from './start-sweep';
import { ComplianceStore } from './store';

export interface ComplianceCapability {
  readonly store: ComplianceStore;
  readonly activities: ImplementationsOf<typeof complianceActivities>;
  /** The timer trigger: every active tenant's sweep of the current window. */
  readonly startSweeps: ReturnType<typeof sweepTimerHandler>;
  /** The queue trigger of `remediations`. */
  readonly remediate: (message: unknown, context: InvocationContext) => Promise<void>;
  /** The operator API's compliance rows. */
  readonly handlers: ComplianceHandlers;
}

export type CompliancePlatform = Pick<Platform, 'container' | 'blobs' | 'tenantClients' | 'sender'>;

export function complianceWiring(
  platform: CompliancePlatform,
  tenants: TenantStore,
  telemetry: Pick<TelemetryCapability, 'store'>,
  audit: AuditPort,
): ComplianceCapability {
  const now = (): number => Date.now();
  const telemetryState: TelemetryState = {
    isFresh: async (tenantId, source) =>
      freshnessAt(await telemetry.store.status(tenantId, source), now()) === 'fresh',
    records: (tenantId, source) => telemetry.store.records(tenantId, source),
  };
  const capability: ComplianceCapability = lazy<ComplianceCapability>({
    store: () => new ComplianceStore(platform.container('compliance')),
    activities: () =>
      complianceImplementations({
        tenants,
        tenantApis: (tenant) => platform.tenantClients.forTenant(tenant, 'background'),
        telemetry: telemetryState,
        store: capability.store,
        facts: platform.blobs.getContainerClient(blobContainers.complianceFacts),
        baseline: complianceBaseline,
        deviceEvents: platform.sender(topicNames.deviceEvents),
        alerts: platform.sender(topicNames.operationsAlerts),
        remediations: platform.sender(queueNames.remediations),
        now,
      }),
    startSweeps: () =>
      sweepTimerHandler(
        () => tenants.activeIds(),
        (context) => df.getClient(context),
      ),
    remediate: () =>
      remediationHandler({
        tenants,
        // The sweep's plan paces these writes within its share of the tenant's budget already.
        tenantApis: (tenant) => platform.tenantClients.forTenant(tenant, 'interactive'),
        audit,
        retries: platform.sender(queueNames.remediations),
        now,
      }),
    handlers: () =>
      complianceHandlers({
        tenants,
        store: capability.store,
        baseline: complianceBaseline,
        client: (context) => df.getClient(context),
        audit,
        now: () => new Date(),
      }),
  });
  return capability;
}
