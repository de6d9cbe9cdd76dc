import { randomUUID } from 'node:crypto';
import { message as amqpCodec, types } from 'rhea';
import { InvalidRequestError } from './errors';

/**
 * The parts of an AMQP 1.0 message the broker reads or writes, in rhea's decoded shape (snake_case fields from
 * the header and properties sections; annotation and application-property maps as plain objects; `body` as rhea
 * decoded it, which it re-encodes unchanged).
 */
export interface AmqpMessage {
  message_id?: string | number | Buffer;
  correlation_id?: string | number | Buffer;
  to?: string;
  subject?: string;
  reply_to?: string;
  content_type?: string;
  group_id?: string;
  reply_to_group_id?: string;
  ttl?: number;
  delivery_count?: number;
  absolute_expiry_time?: Date;
  creation_time?: Date;
  message_annotations?: Record<string, unknown>;
  application_properties?: Record<string, unknown>;
  body?: unknown;
  [field: string]: unknown;
}

/** A message as the broker keeps it: what the client sent plus what the broker assigned. */
export interface BrokeredMessage {
  /** Replaced, never mutated, when settlement modifies properties: topic fan-out shares it between subscriptions. */
  amqp: AmqpMessage;
  sequenceNumber: number;
  enqueuedTime: number;
  /** Epoch ms; `Infinity` for messages that never expire. */
  expiresAt: number;
  /** Earlier deliveries under a lock that ended without completion (abandon, lock expiry). */
  deliveryCount: number;
}

/** The message format the SDK uses for `sendMessages([...])` and message batches: data sections of messages. */
export const BATCH_MESSAGE_FORMAT = 0x80013700;

export const annotations = {
  sequenceNumber: 'x-opt-sequence-number',
  enqueuedTime: 'x-opt-enqueued-time',
  lockedUntil: 'x-opt-locked-until',
  scheduledEnqueueTime: 'x-opt-scheduled-enqueue-time',
  messageState: 'x-opt-message-state',
} as const;

const MAX_UINT = 0xffff_ffff;

export type PeekState = 'active' | 'deferred' | 'scheduled';
const messageStateCodes: Record<PeekState, number> = { active: 0, deferred: 1, scheduled: 2 };

export interface IncomingMessage {
  message: AmqpMessage;
  /** Encoded size in bytes, checked against the link's max message size. */
  size: number;
}

/**
 * The messages in one transfer. rhea hands over standard-format transfers decoded and others as raw bytes; a batch
 * carries each message, already encoded, in its own data section.
 */
export function unpackTransfer(payload: unknown, format: number | undefined): IncomingMessage[] {
  if (format === undefined || format === 0) {
    const message = payload as AmqpMessage;
    return [{ message, size: amqpCodec.encode(message).length }];
  }
  if (format !== BATCH_MESSAGE_FORMAT || !Buffer.isBuffer(payload)) {
    throw new InvalidRequestError(`Message format ${format} is not supported.`);
  }
  const envelope = amqpCodec.decode(payload) as AmqpMessage;
  return dataSections(envelope.body).map((encoded) => ({
    message: decodeMessage(encoded),
    size: encoded.length,
  }));
}

function dataSections(body: unknown): Buffer[] {
  const section = body as { typecode?: number; content?: unknown; multiple?: boolean } | undefined;
  if (section?.typecode !== 0x75)
    throw new InvalidRequestError('A batch must carry its messages in data sections.');
  const content = section.multiple ? section.content : [section.content];
  if (!Array.isArray(content) || !content.every((item) => Buffer.isBuffer(item))) {
    throw new InvalidRequestError('A batch data section must hold an encoded message.');
  }
  return content;
}

export function decodeMessage(encoded: Buffer): AmqpMessage {
  return amqpCodec.decode(encoded) as AmqpMessage;
}

/** Service Bus gives every message an id; the SDK only sends one when the application set it. */
export function withMessageId(message: AmqpMessage): AmqpMessage {
  return message.message_id === undefined || message.message_id === null
    ? { ...message, message_id: randomUUID().replaceAll('-', '') }
    : message;
}

export function messageIdKey(message: AmqpMessage): string | undefined {
  const id = message.message_id;
  if (id === undefined || id === null) return undefined;
  return Buffer.isBuffer(id) ? id.toString('hex') : String(id);
}

export function scheduledEnqueueTime(message: AmqpMessage): number | undefined {
  const value = message.message_annotations?.[annotations.scheduledEnqueueTime];
  if (value instanceof Date) return value.getTime();
  return typeof value === 'number' ? value : undefined;
}

export function withApplicationProperties(
  message: BrokeredMessage,
  properties: Record<string, unknown> | undefined,
): BrokeredMessage {
  const defined = Object.entries(properties ?? {}).filter(
    ([, value]) => value !== undefined && value !== null,
  );
  if (defined.length === 0) return message;
  return {
    ...message,
    amqp: {
      ...message.amqp,
      application_properties: { ...message.amqp.application_properties, ...Object.fromEntries(defined) },
    },
  };
}

export interface WireOptions {
  lockedUntil?: number;
  peekState?: PeekState;
}

/** The message as a receiver sees it: the client's message plus the broker's annotations and delivery count. */
export function toWireMessage(message: BrokeredMessage, options: WireOptions = {}): AmqpMessage {
  const brokerAnnotations: Record<string, unknown> = {
    [annotations.sequenceNumber]: types.wrap_long(message.sequenceNumber),
    [annotations.enqueuedTime]: new Date(message.enqueuedTime),
  };
  if (options.lockedUntil !== undefined)
    brokerAnnotations[annotations.lockedUntil] = new Date(options.lockedUntil);
  if (options.peekState !== undefined && options.peekState !== 'active') {
    brokerAnnotations[annotations.messageState] = types.wrap_int(messageStateCodes[options.peekState]);
  }
  // The SDK computes `expiresAtUtc` from the header's ttl, so an entity's default time to live shows there too.
  const timeToLive = message.expiresAt - message.enqueuedTime;
  return {
    ...message.amqp,
    ttl: timeToLive <= MAX_UINT ? timeToLive : message.amqp.ttl,
    delivery_count: message.deliveryCount,
    message_annotations: { ...message.amqp.message_annotations, ...brokerAnnotations },
  };
}

export function encodeMessage(message: AmqpMessage): Buffer {
  return amqpCodec.encode(message);
}
