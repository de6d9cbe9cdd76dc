import { randomUUID } from 'node:crypto';
import type { Clock } from '@mds/platform-kit';
import { withApplicationProperties, type BrokeredMessage, type PeekState } from './amqp-message';
import { MessageLockLostError, MessageNotFoundError, NotAllowedError } from './errors';

export interface ReceivableSettings {
  /** The entity path as Service Bus names it, e.g. `orders` or `events/Subscriptions/audit`. */
  readonly path: string;
  readonly lockDurationMs: number;
  readonly maxDeliveryCount: number;
  readonly defaultTimeToLiveMs: number;
  readonly deadLetterOnExpiration: boolean;
}

export type ReceiveMode = 'peekLock' | 'receiveAndDelete';

export interface TakenMessage {
  readonly message: BrokeredMessage;
  /** Present in peek-lock mode. */
  readonly lock?: { readonly token: string; readonly lockedUntil: number };
}

export interface PeekedMessage {
  readonly message: BrokeredMessage;
  readonly state: PeekState;
}

export interface DeadLetterDetails {
  readonly reason?: string;
  readonly description?: string;
  readonly properties?: Record<string, unknown>;
}

interface Lock {
  readonly token: string;
  readonly message: BrokeredMessage;
  lockedUntil: number;
  cancelExpiry: () => void;
  /** Deferred messages go back to the deferred set, not to the queue, when their lock ends. */
  readonly wasDeferred: boolean;
}

/**
 * One receivable queue: a queue, a subscription, or the dead-letter sub-queue of either. Holds the messages in
 * sequence order, the peek-lock locks (which expire on the clock), and deferred messages. Dead-letter sub-queues
 * have no sub-queue of their own and never dead-letter on delivery count.
 */
export class MessageQueue {
  private readonly available = new SequenceOrderedList();
  private readonly locks = new Map<string, Lock>();
  private readonly deferred = new Map<number, BrokeredMessage>();
  private readonly watchers = new Set<() => void>();
  private nextDeadLetterSequence = 1;

  constructor(
    readonly settings: ReceivableSettings,
    private readonly clock: Clock,
    readonly deadLetterQueue?: MessageQueue,
    /** Messages the entity holds for later (scheduled), which peek shows too. */
    private readonly scheduledForPeek: () => readonly BrokeredMessage[] = () => [],
  ) {}

  /** Calls `listener` whenever messages become available. Returns a function that stops it. */
  watch(listener: () => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }

  add(message: BrokeredMessage): void {
    const expiresAt = Math.min(message.expiresAt, message.enqueuedTime + this.settings.defaultTimeToLiveMs);
    this.makeAvailable({ ...message, expiresAt });
  }

  hasAvailable(): boolean {
    return this.available.size > 0;
  }

  take(mode: ReceiveMode): TakenMessage | undefined {
    for (let message = this.available.shift(); message; message = this.available.shift()) {
      if (this.isExpired(message)) {
        this.expire(message);
        continue;
      }
      return mode === 'receiveAndDelete' ? { message } : { message, lock: this.lock(message, false) };
    }
    return undefined;
  }

  complete(token: string): void {
    this.claim(token);
  }

  abandon(token: string, properties?: Record<string, unknown>): void {
    const lock = this.claim(token);
    this.endDelivery(lock, withApplicationProperties(lock.message, properties), true);
  }

  /** A released delivery was never processed, so it does not count as a delivery attempt. */
  release(token: string): void {
    const lock = this.claim(token);
    this.endDelivery(lock, lock.message, false);
  }

  defer(token: string, properties?: Record<string, unknown>): void {
    const lock = this.claim(token);
    const message = withApplicationProperties(lock.message, properties);
    this.deferred.set(message.sequenceNumber, message);
  }

  deadLetter(token: string, details: DeadLetterDetails): void {
    const lock = this.claim(token);
    this.moveToDeadLetter(lock.message, details);
  }

  renewLock(token: string): number {
    const lock = this.validLock(token);
    lock.cancelExpiry();
    lock.lockedUntil = this.clock.now() + this.settings.lockDurationMs;
    lock.cancelExpiry = this.clock.schedule(lock.lockedUntil, () => this.onLockExpired(token));
    return lock.lockedUntil;
  }

  /** Takes deferred messages by sequence number; Service Bus fails the whole call when one is missing. */
  receiveDeferred(sequenceNumbers: readonly number[], mode: ReceiveMode): TakenMessage[] {
    const missing = sequenceNumbers.filter((sequenceNumber) => !this.deferred.has(sequenceNumber));
    if (missing.length > 0) {
      throw new MessageNotFoundError(`No deferred message has sequence number ${missing.join(', ')}.`);
    }
    return sequenceNumbers.map((sequenceNumber) => {
      const message = this.deferred.get(sequenceNumber) as BrokeredMessage;
      this.deferred.delete(sequenceNumber);
      return mode === 'receiveAndDelete' ? { message } : { message, lock: this.lock(message, true) };
    });
  }

  /** Every message still in the queue (available, locked, deferred, scheduled) from a sequence number on. */
  peek(fromSequenceNumber: number, maxCount: number): PeekedMessage[] {
    const candidates: PeekedMessage[] = [
      ...this.available.values().map((message) => ({ message, state: 'active' as const })),
      ...[...this.locks.values()].map(({ message }) => ({ message, state: 'active' as const })),
      ...[...this.deferred.values()].map((message) => ({ message, state: 'deferred' as const })),
      ...this.scheduledForPeek().map((message) => ({ message, state: 'scheduled' as const })),
    ];
    return candidates
      .filter(({ message }) => message.sequenceNumber >= fromSequenceNumber && !this.isExpired(message))
      .sort((a, b) => a.message.sequenceNumber - b.message.sequenceNumber)
      .slice(0, maxCount);
  }

  private lock(message: BrokeredMessage, wasDeferred: boolean): { token: string; lockedUntil: number } {
    const token = randomUUID();
    const lockedUntil = this.clock.now() + this.settings.lockDurationMs;
    const cancelExpiry = this.clock.schedule(lockedUntil, () => this.onLockExpired(token));
    this.locks.set(token, { token, message, lockedUntil, cancelExpiry, wasDeferred });
    return { token, lockedUntil };
  }

  private onLockExpired(token: string): void {
    const lock = this.locks.get(token);
    if (!lock || lock.lockedUntil > this.clock.now()) return;
    this.locks.delete(token);
    this.endDelivery(lock, lock.message, true);
  }

  /** The lock, if it still holds; a lock whose time is up counts as lost even before its timer fires. */
  private validLock(token: string): Lock {
    const lock = this.locks.get(token);
    if (!lock) throw new MessageLockLostError();
    if (lock.lockedUntil <= this.clock.now()) {
      this.onLockExpired(token);
      throw new MessageLockLostError();
    }
    return lock;
  }

  private claim(token: string): Lock {
    const lock = this.validLock(token);
    lock.cancelExpiry();
    this.locks.delete(token);
    return lock;
  }

  private endDelivery(lock: Lock, message: BrokeredMessage, counts: boolean): void {
    const deliveryCount = message.deliveryCount + (counts ? 1 : 0);
    const next = { ...message, deliveryCount };
    if (deliveryCount >= this.settings.maxDeliveryCount && this.deadLetterQueue) {
      this.moveToDeadLetter(next, {
        reason: 'MaxDeliveryCountExceeded',
        description: `Message could not be consumed after ${this.settings.maxDeliveryCount} delivery attempts.`,
      });
    } else if (lock.wasDeferred) {
      this.deferred.set(next.sequenceNumber, next);
    } else {
      this.makeAvailable(next);
    }
  }

  private moveToDeadLetter(message: BrokeredMessage, details: DeadLetterDetails): void {
    if (!this.deadLetterQueue) {
      throw new NotAllowedError(`Messages in '${this.settings.path}' cannot be dead-lettered again.`);
    }
    const deadLettered = withApplicationProperties(message, {
      ...details.properties,
      DeadLetterReason: details.reason,
      DeadLetterErrorDescription: details.description,
    });
    this.deadLetterQueue.adopt({ ...deadLettered, expiresAt: Infinity });
  }

  /** A dead-lettered message gets a sequence number of the dead-letter sub-queue, as in Service Bus. */
  private adopt(message: BrokeredMessage): void {
    this.makeAvailable({ ...message, sequenceNumber: this.nextDeadLetterSequence++ });
  }

  private isExpired(message: BrokeredMessage): boolean {
    return message.expiresAt <= this.clock.now();
  }

  private expire(message: BrokeredMessage): void {
    if (this.settings.deadLetterOnExpiration && this.deadLetterQueue) {
      this.moveToDeadLetter(message, {
        reason: 'TTLExpiredException',
        description: 'The message expired and was dead lettered.',
      });
    }
  }

  private makeAvailable(message: BrokeredMessage): void {
    this.available.insert(message);
    for (const watcher of this.watchers) watcher();
  }
}

/** Messages by ascending sequence number; taking from the front is O(1), returning one is a binary insert. */
class SequenceOrderedList {
  private items: BrokeredMessage[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  insert(message: BrokeredMessage): void {
    let low = this.head;
    let high = this.items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.items[middle] as BrokeredMessage).sequenceNumber < message.sequenceNumber) low = middle + 1;
      else high = middle;
    }
    this.items.splice(low, 0, message);
  }

  shift(): BrokeredMessage | undefined {
    if (this.head >= this.items.length) return undefined;
    const message = this.items[this.head];
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return message;
  }

  values(): BrokeredMessage[] {
    return this.items.slice(this.head);
  }
}
