/**
 * The entity schema the broker builds its queues, topics and subscriptions from. The broker owns it: an app passes
 * its own declaration, which TypeScript checks against these types structurally. Settings follow the Service Bus
 * entity properties of the same names; durations are ISO 8601 (`PT1M`, `PT10M`, `P14D`, `PT0.5S`). Omitted
 * settings take the Service Bus defaults: lock duration one minute, ten deliveries, no expiry, no duplicate
 * detection.
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
