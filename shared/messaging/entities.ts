/**
 * The one declaration of the Service Bus queues, topics and subscriptions this app uses. The app reads the names
 * from here when it sends or subscribes; the local broker (`local/servicebus`) builds exactly these entities from it,
 * and the deployment templates mirror it. Settings follow the Service Bus entity properties of the same names;
 * durations are ISO 8601 (`PT1M`, `PT10M`, `P14D`). Omitted settings take the Service Bus defaults: lock duration
 * one minute, ten deliveries, no expiry, no duplicate detection.
 */

/** An ISO 8601 duration such as `PT30S`, `PT1M`, `PT10M` or `P14D`. */
export type IsoDuration = string;

export type ApplicationPropertyValue = string | number | boolean;

/**
 * A correlation filter: a message matches when every property given here equals the message's property of the
 * same name (string comparison is exact). Application properties are compared value by value.
 */
export interface CorrelationFilter {
  readonly subject?: string;
  readonly correlationId?: string;
  readonly messageId?: string;
  readonly to?: string;
  readonly replyTo?: string;
  readonly contentType?: string;
  readonly applicationProperties?: Readonly<Record<string, ApplicationPropertyValue>>;
}

export interface SubscriptionRule {
  readonly name: string;
  readonly filter: CorrelationFilter;
}

/** Settings of an entity that receivers read from with peek-lock. */
export interface ReceivableEntitySettings {
  /** How long a peek-lock receiver holds a message before it is delivered again. */
  readonly lockDuration?: IsoDuration;
  /** Deliveries after which the broker moves the message to the dead-letter sub-queue. */
  readonly maxDeliveryCount?: number;
  readonly defaultMessageTimeToLive?: IsoDuration;
  /** Expired messages move to the dead-letter sub-queue instead of being dropped. */
  readonly deadLetteringOnMessageExpiration?: boolean;
}

export interface QueueDeclaration extends ReceivableEntitySettings {
  readonly name: string;
  /** Messages whose `messageId` was already seen within this window are accepted and dropped. */
  readonly duplicateDetectionHistoryTimeWindow?: IsoDuration;
}

export interface SubscriptionDeclaration extends ReceivableEntitySettings {
  readonly name: string;
  /**
   * A message is copied to the subscription when any rule matches. Omitted: every message (the `$Default` rule).
   * An empty list, as in Service Bus, lets no message through.
   */
  readonly rules?: readonly SubscriptionRule[];
}

export interface TopicDeclaration {
  readonly name: string;
  readonly defaultMessageTimeToLive?: IsoDuration;
  readonly duplicateDetectionHistoryTimeWindow?: IsoDuration;
  readonly subscriptions: readonly SubscriptionDeclaration[];
}

export interface EntitiesDeclaration {
  readonly queues: readonly QueueDeclaration[];
  readonly topics: readonly TopicDeclaration[];
}

export const queueNames = {
  deviceOrders: 'device-orders',
  remediations: 'remediations',
} as const;

export const topicNames = {
  deviceEvents: 'device-events',
} as const;

export const deviceEventsSubscriptionNames = {
  onboardingResults: 'onboarding-results',
  healthChanges: 'health-changes',
  allEvents: 'all-events',
} as const;

/** Subjects of the messages published on `device-events`; the subscriptions filter on them. */
export const deviceEventSubjects = {
  onboarded: 'device.onboarded',
  onboardingFailed: 'device.onboardingFailed',
  healthChanged: 'device.healthChanged',
} as const;

export const messagingEntities: EntitiesDeclaration = {
  queues: [
    {
      name: queueNames.deviceOrders,
      lockDuration: 'PT1M',
      maxDeliveryCount: 10,
      duplicateDetectionHistoryTimeWindow: 'PT10M',
    },
    {
      name: queueNames.remediations,
      lockDuration: 'PT1M',
      maxDeliveryCount: 10,
    },
  ],
  topics: [
    {
      name: topicNames.deviceEvents,
      subscriptions: [
        {
          name: deviceEventsSubscriptionNames.onboardingResults,
          rules: [
            { name: 'onboarded', filter: { subject: deviceEventSubjects.onboarded } },
            { name: 'onboarding-failed', filter: { subject: deviceEventSubjects.onboardingFailed } },
          ],
        },
        {
          name: deviceEventsSubscriptionNames.healthChanges,
          rules: [{ name: 'health-changed', filter: { subject: deviceEventSubjects.healthChanged } }],
        },
        { name: deviceEventsSubscriptionNames.allEvents },
      ],
    },
  ],
};
