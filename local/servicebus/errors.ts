/**
 * Failures the broker reports to clients. Each carries the AMQP error condition Service Bus uses, so that the SDK
 * maps it to the same `ServiceBusError.code` it would for the real service, and the status code the management
 * link answers with.
 */
export interface AmqpErrorFields {
  condition: string;
  description: string;
}

export abstract class BrokerError extends Error {
  abstract readonly condition: string;
  abstract readonly statusCode: number;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }

  toAmqpError(): AmqpErrorFields {
    return { condition: this.condition, description: this.message };
  }
}

/** The SDK recognises the description ("The messaging entity ... could not be found") as MessagingEntityNotFound. */
export class EntityNotFoundError extends BrokerError {
  readonly condition = 'amqp:not-found';
  readonly statusCode = 404;
  constructor(path: string) {
    super(`The messaging entity '${path}' could not be found.`);
  }
}

export class MessageLockLostError extends BrokerError {
  readonly condition = 'com.microsoft:message-lock-lost';
  readonly statusCode = 410;
  constructor() {
    super(
      'The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.',
    );
  }
}

export class MessageNotFoundError extends BrokerError {
  readonly condition = 'com.microsoft:message-not-found';
  readonly statusCode = 404;
}

export class NotAllowedError extends BrokerError {
  readonly condition = 'amqp:not-allowed';
  readonly statusCode = 400;
}

export class InvalidRequestError extends BrokerError {
  readonly condition = 'com.microsoft:argument-error';
  readonly statusCode = 400;
}

export class MessageTooLargeError extends BrokerError {
  readonly condition = 'amqp:link:message-size-exceeded';
  readonly statusCode = 413;
  constructor(size: number, limit: number) {
    super(`The message of ${size} bytes exceeds the limit of ${limit} bytes.`);
  }
}

export class NotImplementedError extends BrokerError {
  readonly condition = 'amqp:not-implemented';
  readonly statusCode = 501;
}

export function toBrokerError(error: unknown): BrokerError {
  if (error instanceof BrokerError) return error;
  return new InternalBrokerError(error instanceof Error ? error.message : String(error));
}

class InternalBrokerError extends BrokerError {
  readonly condition = 'amqp:internal-error';
  readonly statusCode = 500;
}
