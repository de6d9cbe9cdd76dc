import type { CorrelationFilter, SubscriptionRule } from './entities';
import type { AmqpMessage } from './amqp-message';

const systemProperties: ReadonlyArray<
  [keyof Omit<CorrelationFilter, 'applicationProperties'>, keyof AmqpMessage]
> = [
  ['subject', 'subject'],
  ['correlationId', 'correlation_id'],
  ['messageId', 'message_id'],
  ['to', 'to'],
  ['replyTo', 'reply_to'],
  ['contentType', 'content_type'],
];

/** Every property the filter names must equal the message's; a filter that names none matches everything. */
export function matchesCorrelationFilter(message: AmqpMessage, filter: CorrelationFilter): boolean {
  for (const [filterKey, messageKey] of systemProperties) {
    const expected = filter[filterKey];
    if (expected !== undefined && !sameValue(message[messageKey], expected)) return false;
  }
  const properties = message.application_properties ?? {};
  return Object.entries(filter.applicationProperties ?? {}).every(
    ([key, expected]) => properties[key] === expected,
  );
}

/** No rules declared means the `$Default` true filter; otherwise any matching rule lets the message in. */
export function matchesRules(message: AmqpMessage, rules: readonly SubscriptionRule[] | undefined): boolean {
  return rules === undefined || rules.some((rule) => matchesCorrelationFilter(message, rule.filter));
}

function sameValue(actual: unknown, expected: string): boolean {
  if (typeof actual === 'string') return actual === expected;
  if (typeof actual === 'number') return String(actual) === expected;
  return Buffer.isBuffer(actual) && actual.toString('hex') === expected;
}
