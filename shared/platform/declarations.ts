/**
 * What the app keeps outside the process, declared once: Cosmos containers with their partition keys, blob
 * containers, and the Service Bus queues, topics and subscriptions. The local stack creates exactly these; the
 * deployment templates mirror them. A capability adds its entries here when it first uses them.
 *
 * Every Cosmos container but `tenants` is partitioned by tenant, so a tenant's data is read and written within one
 * logical partition. Service Bus settings follow the entity properties of the same names; durations are ISO 8601.
 * Omitted settings take the Service Bus defaults: lock duration one minute, ten deliveries, no expiry, no duplicate
 * detection.
 */
export const cosmosContainers = {
  tenants: { id: 'tenants', partitionKeyPath: '/id' },
  devices: { id: 'devices', partitionKeyPath: '/tenantId' },
  onboardings: { id: 'onboardings', partitionKeyPath: '/tenantId' },
  /** What each device in onboarding waits for, and each tenant's watcher state (see shared/onboarding/watcher). */
  onboardingWaits: { id: 'onboarding-waits', partitionKeyPath: '/tenantId' },
  /** Webhook delivery ids already taken in, per sending source (replay protection; a day's TTL in Azure). */
  webhookDeliveries: { id: 'webhook-deliveries', partitionKeyPath: '/source' },
} as const satisfies Record<string, { id: string; partitionKeyPath: string }>;

export type CosmosContainerName = keyof typeof cosmosContainers;

/** Blob containers by purpose; none yet (telemetry's raw snapshots will be the first). */
export const blobContainers = {} as const satisfies Record<string, string>;

export const queueNames = {
  deviceOrders: 'device-orders',
} as const;

export const topicNames = {
  deviceEvents: 'device-events',
} as const;

/** Types of the events on `device-events`: the Service Bus `subject` of each message, which subscriptions filter on. */
export const deviceEventTypes = {
  onboarded: 'device.onboarded',
  onboardingFailed: 'device.onboardingFailed',
} as const;
export type DeviceEventType = (typeof deviceEventTypes)[keyof typeof deviceEventTypes];

export const deviceEventsSubscriptionNames = {
  onboardingResults: 'onboarding-results',
  allEvents: 'all-events',
} as const;

/** The Service Bus entities; the local broker builds exactly these (its own schema checks this shape). */
export const messagingEntities = {
  queues: [
    {
      name: queueNames.deviceOrders,
      lockDuration: 'PT1M',
      maxDeliveryCount: 10,
      duplicateDetectionHistoryTimeWindow: 'PT10M',
    },
  ],
  topics: [
    {
      name: topicNames.deviceEvents,
      // An event's id is its message id: a republished event is dropped within this window.
      duplicateDetectionHistoryTimeWindow: 'PT10M',
      subscriptions: [
        {
          name: deviceEventsSubscriptionNames.onboardingResults,
          rules: [
            { name: 'onboarded', filter: { subject: deviceEventTypes.onboarded } },
            { name: 'onboarding-failed', filter: { subject: deviceEventTypes.onboardingFailed } },
          ],
        },
        { name: deviceEventsSubscriptionNames.allEvents },
      ],
    },
  ],
} as const;
