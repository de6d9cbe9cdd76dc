import { message as amqpCodec, string_to_uuid, type Delivery } from 'rhea';
import type { AmqpErrorFields, BrokerError } from './errors';
import type { MessageQueue } from './message-queue';

/** The outcomes a client settles a peek-locked delivery with, as rhea names its events. */
export type OutcomeKind = 'accepted' | 'rejected' | 'modified' | 'released';

export interface LockedDelivery {
  readonly queue: MessageQueue;
  readonly token: string;
}

/** The fields of a client's outcome the broker reads (rhea decodes them into a composite with these getters). */
interface RemoteOutcome {
  error?: { condition?: string; info?: Record<string, unknown> };
  undeliverable_here?: boolean;
  message_annotations?: Record<string, unknown>;
}

type OutcomeFactory = Record<
  'accepted' | 'rejected',
  (fields: { error?: AmqpErrorFields }) => { described(): unknown }
>;
const outcomes = amqpCodec as unknown as OutcomeFactory;

/**
 * What the SDK's settlement means: accepted = complete; modified = abandon, or defer when `undeliverable_here`
 * (annotations = properties to modify); rejected = dead-letter, reason and description in the error's info;
 * released = the message goes back without counting as a delivery.
 */
export function applyOutcome({ queue, token }: LockedDelivery, kind: OutcomeKind, delivery: Delivery): void {
  const outcome = (delivery.remote_state ?? {}) as RemoteOutcome;
  switch (kind) {
    case 'accepted':
      return queue.complete(token);
    case 'released':
      return queue.release(token);
    case 'modified':
      return outcome.undeliverable_here
        ? queue.defer(token, outcome.message_annotations)
        : queue.abandon(token, outcome.message_annotations);
    case 'rejected': {
      const { DeadLetterReason, DeadLetterErrorDescription, ...properties } = outcome.error?.info ?? {};
      return queue.deadLetter(token, {
        reason: typeof DeadLetterReason === 'string' ? DeadLetterReason : undefined,
        description: typeof DeadLetterErrorDescription === 'string' ? DeadLetterErrorDescription : undefined,
        properties,
      });
    }
  }
}

/**
 * Settles the broker's side of a delivery: `accepted` when the client's settlement took effect, `rejected` with the
 * error when it did not (the SDK resolves on any outcome without an error and fails on one with).
 *
 * rhea (3.0.4) writes the dispositions of one processing pass as ranges and merges a delivery into a one-delivery
 * range without comparing outcomes, so one answer could overwrite its neighbour's. Successes all carry the same
 * outcome and may merge; each failure is settled in a later turn of its own, after rhea flushed the pass (it
 * writes on the next tick, and Node runs the tick queue between immediates).
 *
 * rhea also never marks a delivery remotely settled when the client settles in second mode; without
 * `remote_settled` the session's 2048-delivery buffer would fill up and stall the link.
 */
export function settle(delivery: Delivery, error?: BrokerError): void {
  const write = (): void => {
    const outcome = error ? outcomes.rejected({ error: error.toAmqpError() }) : outcomes.accepted({});
    delivery.update(true, outcome.described());
    (delivery as unknown as { remote_settled: boolean }).remote_settled = true;
  };
  if (error) setImmediate(write);
  else write();
}

/** Service Bus sends the lock token as the delivery tag in .NET GUID byte order; the SDK swaps it back. */
export function deliveryTag(lockToken: string): Buffer {
  const tag = Buffer.from(string_to_uuid(lockToken));
  tag.subarray(0, 4).reverse();
  tag.subarray(4, 6).reverse();
  tag.subarray(6, 8).reverse();
  return tag;
}
