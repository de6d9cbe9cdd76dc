import { parse as parseDuration, toSeconds } from 'iso8601-duration';
import type { Clock } from '@mds/platform-kit';
import type {
  EntitiesDeclaration,
  QueueDeclaration,
  ReceivableEntitySettings,
  SubscriptionRule,
  TopicDeclaration,
} from './entities';
import {
  messageIdKey,
  scheduledEnqueueTime,
  withMessageId,
  type AmqpMessage,
  type BrokeredMessage,
} from './amqp-message';
import type { EntityAddress } from './addresses';
import { EntityNotFoundError, MessageNotFoundError, NotAllowedError } from './errors';
import { matchesRules } from './filters';
import { MessageQueue } from './message-queue';

interface Subscription {
  readonly rules: readonly SubscriptionRule[] | undefined;
  readonly queue: MessageQueue;
}

interface SendableSettings {
  readonly duplicateWindowMs: number | undefined;
  readonly defaultTimeToLiveMs: number;
}

interface ScheduledMessage {
  readonly message: BrokeredMessage;
  readonly cancel: () => void;
}

/**
 * A queue or topic as senders see it: assigns sequence numbers, drops duplicates within the detection window,
 * holds scheduled messages until their time, and hands every accepted message to its queue or to each matching
 * subscription.
 */
export class SendableEntity {
  private nextSequence = 1;
  private readonly seenMessageIds = new Map<string, number>();
  private readonly scheduled = new Map<number, ScheduledMessage>();

  constructor(
    private readonly clock: Clock,
    private readonly settings: SendableSettings,
    private readonly deliver: (message: BrokeredMessage) => void,
  ) {}

  /** Accepts a message; one that asks for a later enqueue time waits until then. */
  send(incoming: AmqpMessage): void {
    const message = withMessageId(incoming);
    if (this.isDuplicate(message)) return;
    const at = scheduledEnqueueTime(message);
    if (at !== undefined && at > this.clock.now()) this.holdUntil(message, at);
    else this.deliver(this.stamp(message, this.clock.now()));
  }

  /** Returns the sequence numbers by which the scheduled messages can be cancelled. */
  schedule(messages: readonly AmqpMessage[]): number[] {
    return messages.map((incoming) => {
      const message = withMessageId(incoming);
      return this.holdUntil(message, scheduledEnqueueTime(message) ?? this.clock.now());
    });
  }

  cancelScheduled(sequenceNumbers: readonly number[]): void {
    const missing = sequenceNumbers.filter((sequenceNumber) => !this.scheduled.has(sequenceNumber));
    if (missing.length > 0) {
      throw new MessageNotFoundError(`No scheduled message has sequence number ${missing.join(', ')}.`);
    }
    for (const sequenceNumber of sequenceNumbers) {
      this.scheduled.get(sequenceNumber)?.cancel();
      this.scheduled.delete(sequenceNumber);
    }
  }

  scheduledMessages(): BrokeredMessage[] {
    return [...this.scheduled.values()].map(({ message }) => message);
  }

  private holdUntil(amqp: AmqpMessage, at: number): number {
    const message = this.stamp(amqp, at);
    const cancel = this.clock.schedule(at, () => {
      this.scheduled.delete(message.sequenceNumber);
      this.deliver(message);
    });
    this.scheduled.set(message.sequenceNumber, { message, cancel });
    return message.sequenceNumber;
  }

  private stamp(amqp: AmqpMessage, enqueuedTime: number): BrokeredMessage {
    const ttl = Math.min(
      typeof amqp.ttl === 'number' ? amqp.ttl : Infinity,
      this.settings.defaultTimeToLiveMs,
    );
    return {
      amqp,
      sequenceNumber: this.nextSequence++,
      enqueuedTime,
      expiresAt: enqueuedTime + ttl,
      deliveryCount: 0,
    };
  }

  private isDuplicate(message: AmqpMessage): boolean {
    const window = this.settings.duplicateWindowMs;
    const id = messageIdKey(message);
    if (window === undefined || id === undefined) return false;
    const now = this.clock.now();
    // Ids are kept in arrival order, so the stale ones are at the front.
    for (const [seenId, seenAt] of this.seenMessageIds) {
      if (seenAt + window > now) break;
      this.seenMessageIds.delete(seenId);
    }
    if (this.seenMessageIds.has(id)) return true;
    this.seenMessageIds.set(id, now);
    return false;
  }
}

interface TopicState {
  readonly entity: SendableEntity;
  readonly subscriptions: Map<string, Subscription>;
}

const defaults = { lockDuration: 'PT1M', maxDeliveryCount: 10 } as const;

/**
 * Everything the broker knows: the declared entities and the messages in them. It outlives any one listener, so
 * stopping and restarting the broker in the same process loses no message.
 */
export class ServiceBusState {
  private readonly queues = new Map<string, { entity: SendableEntity; queue: MessageQueue }>();
  private readonly topics = new Map<string, TopicState>();

  constructor(declaration: EntitiesDeclaration, clock: Clock) {
    assertUniqueNames(declaration);
    for (const declared of declaration.queues) {
      const queue = receivableQueue(declared.name, declared, clock, () => entity.scheduledMessages());
      const entity = new SendableEntity(clock, sendableSettings(declared), (message) => queue.add(message));
      this.queues.set(declared.name.toLowerCase(), { entity, queue });
    }
    for (const declared of declaration.topics) {
      const subscriptions = new Map<string, Subscription>();
      for (const subscription of declared.subscriptions) {
        const path = `${declared.name}/Subscriptions/${subscription.name}`;
        subscriptions.set(subscription.name.toLowerCase(), {
          rules: subscription.rules,
          queue: receivableQueue(path, subscription, clock),
        });
      }
      const entity = new SendableEntity(clock, sendableSettings(declared), (message) => {
        for (const { rules, queue } of subscriptions.values()) {
          if (matchesRules(message.amqp, rules)) queue.add(message);
        }
      });
      this.topics.set(declared.name.toLowerCase(), { entity, subscriptions });
    }
  }

  /** The queue or topic a sender attaches to. */
  sendable(address: EntityAddress): SendableEntity {
    if (address.subscription !== undefined || address.deadLetter) {
      throw new NotAllowedError(`'${address.path}' cannot be sent to; send to its queue or topic.`);
    }
    const found = this.queues.get(address.entity) ?? this.topics.get(address.entity);
    if (!found) throw new EntityNotFoundError(address.path);
    return found.entity;
  }

  /** The queue, subscription or dead-letter sub-queue a receiver attaches to. */
  receivable(address: EntityAddress): MessageQueue {
    const queue =
      address.subscription === undefined
        ? this.queues.get(address.entity)?.queue
        : this.topics.get(address.entity)?.subscriptions.get(address.subscription)?.queue;
    if (!queue) {
      if (address.subscription === undefined && this.topics.has(address.entity)) {
        throw new NotAllowedError(`'${address.path}' is a topic; receive from one of its subscriptions.`);
      }
      throw new EntityNotFoundError(address.path);
    }
    return address.deadLetter ? (queue.deadLetterQueue as MessageQueue) : queue;
  }

  /** Whether the address names any entity, for attaches to its `$management` node. */
  exists(address: EntityAddress): boolean {
    try {
      if (address.subscription !== undefined || address.deadLetter) this.receivable(address);
      else this.sendable(address);
      return true;
    } catch {
      return false;
    }
  }
}

function receivableQueue(
  path: string,
  settings: ReceivableEntitySettings,
  clock: Clock,
  scheduledForPeek?: () => readonly BrokeredMessage[],
): MessageQueue {
  const lockDurationMs = parseIsoDuration(settings.lockDuration ?? defaults.lockDuration);
  const deadLetterQueue = new MessageQueue(
    {
      path: `${path}/$DeadLetterQueue`,
      lockDurationMs,
      maxDeliveryCount: Infinity,
      defaultTimeToLiveMs: Infinity,
      deadLetterOnExpiration: false,
    },
    clock,
  );
  return new MessageQueue(
    {
      path,
      lockDurationMs,
      maxDeliveryCount: settings.maxDeliveryCount ?? defaults.maxDeliveryCount,
      defaultTimeToLiveMs: optionalDuration(settings.defaultMessageTimeToLive) ?? Infinity,
      deadLetterOnExpiration: settings.deadLetteringOnMessageExpiration ?? false,
    },
    clock,
    deadLetterQueue,
    scheduledForPeek,
  );
}

function sendableSettings(declared: QueueDeclaration | TopicDeclaration): SendableSettings {
  return {
    duplicateWindowMs: optionalDuration(declared.duplicateDetectionHistoryTimeWindow),
    defaultTimeToLiveMs: optionalDuration(declared.defaultMessageTimeToLive) ?? Infinity,
  };
}

function optionalDuration(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseIsoDuration(text);
}

/**
 * `PT1M`, `P14D`, `PT0.5S` in ms. Counted from a fixed start so that a calendar unit (a month) means the same
 * length on every run; the library throws a RangeError on text that is no duration.
 */
function parseIsoDuration(text: string): number {
  return Math.round(toSeconds(parseDuration(text), new Date(0)) * 1000);
}

function assertUniqueNames(declaration: EntitiesDeclaration): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { name } of [...declaration.queues, ...declaration.topics]) {
    if (seen.has(name.toLowerCase())) problems.push(`entity '${name}' is declared twice`);
    seen.add(name.toLowerCase());
  }
  for (const topic of declaration.topics) {
    const subscriptions = new Set<string>();
    for (const { name } of topic.subscriptions) {
      if (subscriptions.has(name.toLowerCase()))
        problems.push(`subscription '${topic.name}/${name}' is declared twice`);
      subscriptions.add(name.toLowerCase());
    }
  }
  if (problems.length > 0) throw new RangeError(`Invalid Service Bus entities: ${problems.join('; ')}`);
}
