import type { ServiceBusReceivedMessage } from '@azure/service-bus';

/** The latest instant .NET can represent; the extension reports it for messages that never expire. */
const DOTNET_MAX_DATE = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * The trigger metadata the Functions Service Bus extension (5.x, `ServiceBusTriggerBindingStrategy`) sends with a
 * single-message invocation, under its PascalCase names; `@azure/functions` camel-cases the keys (nested ones too)
 * into `context.triggerMetadata`. The differences from the JS SDK's view are the extension's:
 * `DeliveryCount` counts the current delivery (the SDK's `deliveryCount` counts earlier ones), `Label` and
 * `UserProperties` repeat `Subject` and `ApplicationProperties` for backward compatibility, and times are ISO 8601
 * strings. The SDK-object entries (`MessageActions`, `Client`, ...) have no JSON form and are left out.
 */
export function serviceBusTriggerMetadata(message: ServiceBusReceivedMessage): Record<string, unknown> {
  const applicationProperties = { ...message.applicationProperties };
  const metadata: Record<string, unknown> = {
    DeliveryCount: (message.deliveryCount ?? 0) + 1,
    DeadLetterSource: message.deadLetterSource,
    LockToken: message.lockToken,
    ExpiresAtUtc: isoTime(message.expiresAtUtc),
    ExpiresAt: isoTime(message.expiresAtUtc),
    EnqueuedTimeUtc: isoTime(message.enqueuedTimeUtc),
    EnqueuedTime: isoTime(message.enqueuedTimeUtc),
    MessageId: idText(message.messageId),
    ContentType: message.contentType,
    ReplyTo: message.replyTo,
    SequenceNumber: message.sequenceNumber?.toNumber(),
    To: message.to,
    Subject: message.subject,
    Label: message.subject,
    CorrelationId: idText(message.correlationId),
    ApplicationProperties: applicationProperties,
    UserProperties: applicationProperties,
    SessionId: message.sessionId,
    ReplyToSessionId: message.replyToSessionId,
    PartitionKey: message.partitionKey,
  };
  return Object.fromEntries(Object.entries(metadata).filter(([, value]) => value !== undefined));
}

/** What the function handler receives: the message body, decoded as the SDK decodes it. */
export function serviceBusTriggerInput(message: ServiceBusReceivedMessage): unknown {
  return message.body;
}

function isoTime(date: Date | undefined): string | undefined {
  return date === undefined ? undefined : new Date(Math.min(date.getTime(), DOTNET_MAX_DATE)).toISOString();
}

function idText(id: string | number | Buffer | undefined): string | undefined {
  if (id === undefined) return undefined;
  return Buffer.isBuffer(id) ? id.toString('hex') : String(id);
}
