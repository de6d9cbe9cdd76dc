import { type InvocationContext } from '@azure/functions';
import { type Platform } from '../platform';
import { topicNames } from '../platform/declarations';
import { lazy } from '../platform/lazy';
import { type TenantStore } from '../tenants/store';
import { signCheckpoint } from './chain';
import { type AuditPort } from './contract';
import { auditDeliveryHandler } from './delivery';
import { type AuditKeys, keyVaultAuditKeys } from './keys';
import { chainOf, OperatorSink } from './operator-sink';
import { serviceBusAuditPort } from './port';
import { projectFor } from './projection';

export interface AuditCapability {
  /** Records an event durably (Service Bus) or throws a retryable error: what every privileged action calls. */
  readonly port: AuditPort;
  readonly keys: AuditKeys;
  readonly operatorSink: OperatorSink;
  /** The trigger of the `operator-sink` subscription: projects each event and appends it to its Cosmos chain. */
  readonly deliverToOperator: (message: unknown, context: InvocationContext) => Promise<void>;
}

export type AuditPlatform = Pick<Platform, 'container' | 'sender' | 'secretReader'>;

export function auditWiring(platform: AuditPlatform, _tenants: TenantStore): AuditCapability {
  const audit: AuditCapability = lazy<AuditCapability>({
    port: () => serviceBusAuditPort(platform.sender(topicNames.auditEvents)),
    keys: () => keyVaultAuditKeys(platform.secretReader),
    operatorSink: () =>
      new OperatorSink(platform.container('audit'), async (body) =>
        signCheckpoint(body, await audit.keys.signingKey()),
      ),
    deliverToOperator: () =>
      auditDeliveryHandler({
        sink: 'operator',
        deliver: async (event) => {
          const projected = projectFor('operator', event, await audit.keys.hashKey('operator'));
          return audit.operatorSink.append(chainOf(event), { ...projected, id: event.id });
        },
        auditTopic: platform.sender(topicNames.auditEvents),
        alerts: platform.sender(topicNames.operationsAlerts),
        now: Date.now,
      }),
  });
  return audit;
}
