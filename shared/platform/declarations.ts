/**
 * What the app keeps outside the process, declared once: Cosmos containers with their partition keys, blob
 * containers, and the Service Bus queues, topics and subscriptions. The local stack creates exactly these; the
 * deployment templates mirror them. A capability adds its entries here when it first uses them.
 *
 * Every Cosmos container but `tenants`, `operators` (the operator environment's own) and the webhook deliveries is
 * partitioned by tenant, so a tenant's data is read and written within one
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
  /** The operator registry, one record per Entra object id: who may use the operator API, and on which tenants. */
  operators: { id: 'operators', partitionKeyPath: '/id' },
  /** Answers of operator writes by Idempotency-Key, so that a repeated request gets the first answer. */
  idempotencyKeys: { id: 'idempotency-keys', partitionKeyPath: '/tenantId' },
  /**
   * The operator environment's audit trail: one hash chain per customer tenant (and one for actions of the operator
   * environment alone), partitioned by chain so that a chain's head and records share a logical partition.
   */
  audit: { id: 'audit', partitionKeyPath: '/chain' },
  /** Telemetry: current state per device and source, each source's status, pending export jobs (`type`). */
  telemetry: { id: 'telemetry', partitionKeyPath: '/tenantId' },
  /** Per tenant: the last readiness assessment, the ids of the objects provisioning created, and drift records. */
  provisioning: { id: 'provisioning', partitionKeyPath: '/tenantId' },
  /**
   * Privileged access, per tenant: credential requests (one per checkout), one state document per service account
   * (its lease and rotation lock) and break-glass review items. Never a password: those live in Key Vault alone.
   */
  credentials: { id: 'credentials', partitionKeyPath: '/tenantId' },
  /** Compliance: results per device and rule, the remediation ledger, one record per sweep, the tenant's settings. */
  compliance: { id: 'compliance', partitionKeyPath: '/tenantId' },
} as const satisfies Record<string, { id: string; partitionKeyPath: string }>;

export type CosmosContainerName = keyof typeof cosmosContainers;

/** Blob containers by purpose. */
export const blobContainers = {
  /** Raw telemetry snapshots, gzip, one blob per tenant, source and run: `{tenant}/{source}/{run}.{ndjson|csv}.gz`. */
  telemetryRaw: 'telemetry-raw',
  /** A sweep's facts, gzip NDJSON, one blob per tenant and sweep: `{tenant}/{sweep}.ndjson.gz`. */
  complianceFacts: 'compliance-facts',
} as const satisfies Record<string, string>;

export const queueNames = {
  deviceOrders: 'device-orders',
  /** One message per remediation action a sweep planned, scheduled at its place in the write budget. */
  remediations: 'remediations',
} as const;

export const topicNames = {
  deviceEvents: 'device-events',
  /** Audit events accepted by the audit port, one copy per sink (see `auditSubscriptionNames`). */
  auditEvents: 'audit-events',
  /** Conditions an operator must look at (an audit event that could not be delivered). */
  operationsAlerts: 'operations-alerts',
  /** `credential.*` CloudEvents: every step of a privileged checkout and every rotation (ids and states only). */
  credentialEvents: 'credential-events',
} as const;

/**
 * Subjects on `audit-events`: an event as the port accepted it (both sinks take it), and a delayed retry of one
 * sink's delivery (only that sink's subscription takes it, by its `sink` application property).
 */
export const auditMessageSubjects = {
  event: 'audit.event',
  retry: 'audit.retry',
} as const;

/** One subscription per sink, so that a sink that is down holds back only its own deliveries. */
export const auditSubscriptionNames = {
  operator: 'operator-sink',
  customer: 'customer-sink',
} as const;

export const alertTypes = {
  auditDeliveryFailed: 'audit.deliveryFailed',
  /** A service-account password could not be rotated after its retries: the old one may still be valid. */
  credentialRotationFailed: 'credential.rotationFailed',
  /** A credential was checked out without a second approver; a review item waits for another approver. */
  credentialBreakGlass: 'credential.breakGlass',
  /** A tenant's fleet below a threshold, or a conditional-access mismatch that persists (compliance sweeps). */
  tenantAlert: 'tenant.alert',
} as const;

export const operationsAlertsSubscriptionNames = {
  allAlerts: 'all-alerts',
} as const;

/** Deliveries of one audit message before the broker dead-letters it (after the delayed retries have run out). */
export const auditMaxDeliveryCount = 10;

/** Types of the events on `device-events`: the Service Bus `subject` of each message, which subscriptions filter on. */
export const deviceEventTypes = {
  onboarded: 'device.onboarded',
  onboardingFailed: 'device.onboardingFailed',
  /** A device went healthy ⇄ unhealthy (compliance sweeps); published only when its state changes. */
  healthChanged: 'device.healthChanged',
  /** A remediation was tried the maximum number of times and the rule still fails. */
  remediationFailed: 'device.remediationFailed',
} as const;
export type DeviceEventType = (typeof deviceEventTypes)[keyof typeof deviceEventTypes];

/** Types of the events on `credential-events` (the Service Bus `subject`). */
export const credentialEventTypes = {
  requested: 'credential.requested',
  approved: 'credential.approved',
  denied: 'credential.denied',
  expired: 'credential.expired',
  checkedOut: 'credential.checkedOut',
  checkedIn: 'credential.checkedIn',
  leaseExpired: 'credential.leaseExpired',
  revoked: 'credential.revoked',
  rotated: 'credential.rotated',
  rotationFailed: 'credential.rotationFailed',
  brokeGlass: 'credential.brokeGlass',
  reviewClosed: 'credential.reviewClosed',
} as const;
export type CredentialEventType = (typeof credentialEventTypes)[keyof typeof credentialEventTypes];

export const credentialEventsSubscriptionNames = { allEvents: 'all-events' } as const;

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
    {
      name: queueNames.remediations,
      lockDuration: 'PT2M',
      maxDeliveryCount: 10,
      // An action's id is its message id: a sweep's activity retried sends each action once.
      duplicateDetectionHistoryTimeWindow: 'PT1H',
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
    {
      name: topicNames.auditEvents,
      // An audit event's id is its message id: the same event sent twice (a retried operator request) is accepted
      // once. Delayed retries carry their own ids. Sinks are idempotent by event id beyond this window.
      duplicateDetectionHistoryTimeWindow: 'PT1H',
      subscriptions: [
        {
          name: auditSubscriptionNames.operator,
          lockDuration: 'PT1M',
          maxDeliveryCount: auditMaxDeliveryCount,
          rules: [
            { name: 'events', filter: { subject: auditMessageSubjects.event } },
            {
              name: 'retries',
              filter: { subject: auditMessageSubjects.retry, applicationProperties: { sink: 'operator' } },
            },
          ],
        },
        {
          name: auditSubscriptionNames.customer,
          lockDuration: 'PT1M',
          maxDeliveryCount: auditMaxDeliveryCount,
          // Only events about a customer tenant reach the customer's sink.
          rules: [
            {
              name: 'tenant-events',
              filter: { subject: auditMessageSubjects.event, applicationProperties: { customerSink: true } },
            },
            {
              name: 'retries',
              filter: { subject: auditMessageSubjects.retry, applicationProperties: { sink: 'customer' } },
            },
          ],
        },
      ],
    },
    {
      name: topicNames.credentialEvents,
      duplicateDetectionHistoryTimeWindow: 'PT10M',
      subscriptions: [{ name: credentialEventsSubscriptionNames.allEvents }],
    },
    {
      name: topicNames.operationsAlerts,
      duplicateDetectionHistoryTimeWindow: 'PT10M',
      subscriptions: [{ name: operationsAlertsSubscriptionNames.allAlerts }],
    },
  ],
} as const;
