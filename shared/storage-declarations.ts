/**
 * The storage the app declares, in one place: Cosmos containers with their partition keys and the blob containers.
 * The local stack creates exactly these; the deployment templates mirror them. Every container but `tenants` is
 * partitioned by tenant, so a tenant's data is read and written within one logical partition.
 */
export interface CosmosContainerDeclaration {
  readonly id: string;
  readonly partitionKeyPath: string;
}

export const cosmosContainers = {
  tenants: { id: 'tenants', partitionKeyPath: '/id' },
  devices: { id: 'devices', partitionKeyPath: '/tenantId' },
  onboardings: { id: 'onboardings', partitionKeyPath: '/tenantId' },
  telemetry: { id: 'telemetry', partitionKeyPath: '/tenantId' },
  compliance: { id: 'compliance', partitionKeyPath: '/tenantId' },
  audit: { id: 'audit', partitionKeyPath: '/tenantId' },
  /** Webhook delivery ids already taken in, per sending source (replay protection; a day's TTL in Azure). */
  webhookDeliveries: { id: 'webhook-deliveries', partitionKeyPath: '/source' },
} as const satisfies Record<string, CosmosContainerDeclaration>;

export type CosmosContainerName = keyof typeof cosmosContainers;

export const blobContainers = {
  /** Raw telemetry snapshots as pulled, one blob per tenant, source and pull. */
  telemetryRaw: 'telemetry-raw',
} as const;
