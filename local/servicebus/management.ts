import { string_to_uuid, types, uuid_to_string } from 'rhea';
import { decodeMessage, encodeMessage, toWireMessage, type AmqpMessage } from './amqp-message';
import type { EntityAddress } from './addresses';
import { InvalidRequestError, NotImplementedError, toBrokerError } from './errors';
import type { ReceiveMode, TakenMessage } from './message-queue';
import type { ServiceBusState } from './namespace';

/**
 * The request/response operations on `<entity>/$management` that the SDK uses (see the Service Bus "AMQP
 * request/response" reference): requests carry `operation` in application properties and a map body; responses
 * carry `statusCode` (and on failure `errorCondition`, `statusDescription`) and a map body.
 */
type Body = Record<string, unknown>;
interface Result {
  statusCode: 200 | 204;
  body?: Body;
}
type Operation = (state: ServiceBusState, target: EntityAddress, body: Body) => Result;

const LONG = 0x81;
const TIMESTAMP = 0x83;

const operations: Record<string, Operation> = {
  'com.microsoft:renew-lock': (state, target, body) => {
    const queue = state.receivable(target);
    const expirations = lockTokens(body).map((token) => queue.renewLock(token));
    return { statusCode: 200, body: { expirations: types.wrap_array(expirations, TIMESTAMP, undefined) } };
  },

  'com.microsoft:peek-message': (state, target, body) => {
    const peeked = state
      .receivable(target)
      .peek(long(body['from-sequence-number']), count(body['message-count']));
    if (peeked.length === 0) return { statusCode: 204 };
    const messages = peeked.map(({ message, state: peekState }) => ({
      message: encodeMessage(toWireMessage(message, { peekState })),
    }));
    return { statusCode: 200, body: { messages } };
  },

  'com.microsoft:schedule-message': (state, target, body) => {
    const entries = list(body.messages, 'messages');
    const messages = entries.map((entry) => decodeMessage(binary(record(entry).message, 'message')));
    const sequenceNumbers = state.sendable(target).schedule(messages);
    return {
      statusCode: 200,
      body: { 'sequence-numbers': types.wrap_array(sequenceNumbers, LONG, undefined) },
    };
  },

  'com.microsoft:cancel-scheduled-message': (state, target, body) => {
    state.sendable(target).cancelScheduled(list(body['sequence-numbers'], 'sequence-numbers').map(long));
    return { statusCode: 200, body: {} };
  },

  'com.microsoft:update-disposition': (state, target, body) => {
    const queue = state.receivable(target);
    const properties = optionalRecord(body['properties-to-modify']);
    const status = body['disposition-status'];
    for (const token of lockTokens(body)) {
      if (status === 'completed') queue.complete(token);
      else if (status === 'abandoned') queue.abandon(token, properties);
      else if (status === 'defered') queue.defer(token, properties);
      else if (status === 'suspended') {
        queue.deadLetter(token, {
          reason: optionalString(body['deadletter-reason']),
          description: optionalString(body['deadletter-description']),
          properties,
        });
      } else throw new InvalidRequestError(`Unknown disposition-status '${String(status)}'.`);
    }
    return { statusCode: 200, body: {} };
  },

  'com.microsoft:receive-by-sequence-number': (state, target, body) => {
    const mode: ReceiveMode = body['receiver-settle-mode'] === 0 ? 'receiveAndDelete' : 'peekLock';
    const sequenceNumbers = list(body['sequence-numbers'], 'sequence-numbers').map(long);
    const messages = state.receivable(target).receiveDeferred(sequenceNumbers, mode).map(deferredEntry);
    return { statusCode: 200, body: { messages } };
  },
};

/** Answers one management request; failures become error responses, as the service sends them. */
export function handleManagementRequest(
  state: ServiceBusState,
  target: EntityAddress,
  request: AmqpMessage,
): AmqpMessage {
  const operation = request.application_properties?.operation;
  try {
    const handler = typeof operation === 'string' ? operations[operation] : undefined;
    if (!handler)
      throw new NotImplementedError(`The management operation '${String(operation)}' is not supported.`);
    const { statusCode, body } = handler(state, target, record(request.body ?? {}));
    return { application_properties: { statusCode, statusDescription: 'OK' }, body };
  } catch (error) {
    const brokerError = toBrokerError(error);
    return {
      application_properties: {
        statusCode: brokerError.statusCode,
        statusDescription: brokerError.message,
        errorCondition: brokerError.condition,
      },
      body: {},
    };
  }
}

function deferredEntry({ message, lock }: TakenMessage): Body {
  const entry: Body = { message: encodeMessage(toWireMessage(message, { lockedUntil: lock?.lockedUntil })) };
  if (lock) entry['lock-token'] = types.wrap_uuid(string_to_uuid(lock.token));
  return entry;
}

function lockTokens(body: Body): string[] {
  return list(body['lock-tokens'], 'lock-tokens').map((token) =>
    uuid_to_string(binary(token, 'lock-tokens')),
  );
}

function record(value: unknown): Body {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Buffer.isBuffer(value)) {
    throw new InvalidRequestError('The request body must be a map.');
  }
  return value as Body;
}

function optionalRecord(value: unknown): Body | undefined {
  return value === undefined || value === null ? undefined : record(value);
}

function list(value: unknown, name: string): unknown[] {
  if (!Array.isArray(value)) throw new InvalidRequestError(`'${name}' must be a list.`);
  return value;
}

function binary(value: unknown, name: string): Buffer {
  if (!Buffer.isBuffer(value)) throw new InvalidRequestError(`'${name}' must hold binary values.`);
  return value;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** rhea decodes longs that fit a double as numbers and larger ones as their 8 big-endian bytes. */
function long(value: unknown): number {
  if (typeof value === 'number') return value;
  if (Buffer.isBuffer(value) && value.length === 8) return Number(value.readBigInt64BE());
  throw new InvalidRequestError('Expected a sequence number.');
}

function count(value: unknown): number {
  if (typeof value !== 'number' || value < 1)
    throw new InvalidRequestError("'message-count' must be positive.");
  return value;
}
