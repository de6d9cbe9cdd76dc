import { type HttpHandler, type InvocationContext } from '@azure/functions';
import { type Platform } from '../platform';
import { topicNames } from '../platform/declarations';
import { lazy } from '../platform/lazy';
import { type TenantStore } from '../tenants/store';
import { signCheckpoint } from './chain';
import { type AuditPort } from './contract';
import { auditDeliveryHandler } from './delivery';
import { type AuditKeys, keyVaultAuditKeys } from './keys';
import { customerContainers } from './customer-containers';
import { type CustomerContainerResolver, CustomerSink } from './customer-sink';
import { auditListHandler, auditVerifyHandler } from './http';
import { chainOf, OperatorSink } from './operator-sink';
import { serviceBusAuditPort } from './port';
import { projectFor } from './projection';
import { type AuditPage, type AuditQuery, queryAuditRecords } from './query';
import { auditVerifier, type TenantVerification } from './verifier';

export interface AuditCapability {
  /** Records an event durably (Service Bus) or throws a retryable error: what every privileged action calls. */
  readonly port: AuditPort;
  readonly keys: AuditKeys;
  readonly operatorSink: OperatorSink;
  /** The trigger of the `operator-sink` subscription: projects each event and appends it to its Cosmos chain. */
  readonly deliverToOperator: (message: unknown, context: InvocationContext) => Promise<void>;
  readonly customerSink: CustomerSink;
  /** The trigger of the `customer-sink` subscription: the same, into the tenant's own container. */
  readonly deliverToCustomer: (message: unknown, context: InvocationContext) => Promise<void>;
  readonly customerContainer: CustomerContainerResolver;
  /** Verifies a tenant's chain in both sinks (`npm run audit:verify`). */
  readonly verify: (tenantId: string) => Promise<TenantVerification>;
  readonly query: (q: AuditQuery) => Promise<AuditPage>;
  /** `GET /api/v1/audit/verify?tenantId=`, for the operator API's route table (Audit.Read). */
  readonly verifyHandler: HttpHandler;
  /** `GET /api/v1/audit`, for the operator API's route table (Audit.Read). */
  readonly listHandler: HttpHandler;
}

export type AuditPlatform = Pick<Platform, 'container' | 'sender' | 'secretReader' | 'credential' | 'tls'>;

export function auditWiring(platform: AuditPlatform, tenants: TenantStore): AuditCapability {
  const signer = async (body: Parameters<typeof signCheckpoint>[0]) =>
    signCheckpoint(body, await audit.keys.signingKey());
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
    customerContainer: () =>
      customerContainers({
        tenants,
        secrets: platform.secretReader,
        credential: () => platform.credential,
        tls: platform.tls,
      }),
    customerSink: () => new CustomerSink(audit.customerContainer, signer),
    deliverToCustomer: () =>
      auditDeliveryHandler({
        sink: 'customer',
        deliver: async (event) => {
          // The subscription's filter lets only tenant events through; one without a tenant has no customer.
          if (event.tenantId === undefined) return 'notApplicable';
          const projected = projectFor('customer', event, await audit.keys.hashKey('customer'));
          return audit.customerSink.append(event.tenantId, { ...projected, id: event.id });
        },
        auditTopic: platform.sender(topicNames.auditEvents),
        alerts: platform.sender(topicNames.operationsAlerts),
        now: Date.now,
      }),
    verify: () =>
      auditVerifier({
        container: platform.container('audit'),
        customerContainer: audit.customerContainer,
        keys: audit.keys,
        tenants,
      }),
    query: () => (q) => queryAuditRecords(platform.container('audit'), q),
    verifyHandler: () => auditVerifyHandler({ verify: audit.verify }),
    listHandler: () => auditListHandler({ query: audit.query }),
  });
  return audit;
}
