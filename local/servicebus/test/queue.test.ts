import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { bodyOf, receiveAtLeast, startBroker, type BrokerFixture } from './broker-fixture';

const entities = {
  queues: [
    { name: 'orders', lockDuration: 'PT30S', maxDeliveryCount: 3 },
    { name: 'bulk', lockDuration: 'PT30S' },
  ],
  topics: [],
};

describe('Service Bus stand-in: queues through the real ServiceBusClient', () => {
  let fixture: BrokerFixture;

  beforeEach(async () => {
    fixture = await startBroker(entities);
  });

  afterEach(async () => {
    await fixture.close();
  });

  it('delivers a sent message with the broker properties the SDK reads, and completes it', async () => {
    const sender = fixture.client.createSender('orders');
    const before = Date.now();
    await sender.sendMessages({
      body: { serial: 'SN-1' },
      subject: 'order.created',
      applicationProperties: { tenantId: 't-1', attempt: 2 },
      correlationId: 'corr-1',
      contentType: 'application/json',
    });
    const receiver = fixture.client.createReceiver('orders');

    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });

    expect(message).toBeDefined();
    const received = message!;
    expect(received.body).toEqual({ serial: 'SN-1' });
    expect(received.subject).toBe('order.created');
    expect(received.applicationProperties).toEqual({ tenantId: 't-1', attempt: 2 });
    expect(received.correlationId).toBe('corr-1');
    expect(received.contentType).toBe('application/json');
    expect(received.messageId).toEqual(expect.any(String)); // assigned by the broker
    expect(received.sequenceNumber?.toNumber()).toBe(1);
    expect(received.deliveryCount).toBe(0);
    expect(received.enqueuedTimeUtc!.getTime()).toBeGreaterThanOrEqual(before - 5);
    expect(received.lockedUntilUtc!.getTime() - received.enqueuedTimeUtc!.getTime()).toBeGreaterThanOrEqual(
      29_000,
    );
    expect(received.lockToken).toMatch(/^[0-9a-f-]{36}$/);

    await receiver.completeMessage(received);
    expect(await receiver.peekMessages(10)).toHaveLength(0);
  });

  it('accepts batches (createMessageBatch and arrays) and keeps sequence order', async () => {
    const sender = fixture.client.createSender('bulk');
    const batch = await sender.createMessageBatch();
    expect(batch.maxSizeInBytes).toBe(256 * 1024);
    for (let i = 0; i < 5; i++)
      expect(batch.tryAddMessage({ body: `batch-${i}`, messageId: `b-${i}` })).toBe(true);
    await sender.sendMessages(batch);
    await sender.sendMessages([{ body: 'array-0' }, { body: 'array-1' }]);
    const receiver = fixture.client.createReceiver('bulk', { receiveMode: 'receiveAndDelete' });

    const received = await receiveAtLeast(receiver, 7);

    expect(received.map(bodyOf)).toEqual([
      'batch-0',
      'batch-1',
      'batch-2',
      'batch-3',
      'batch-4',
      'array-0',
      'array-1',
    ]);
    expect(received.map((m) => m.sequenceNumber?.toNumber())).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(received[2]?.messageId).toBe('b-2');
    expect(await receiver.peekMessages(10)).toHaveLength(0); // receive-and-delete removed them
  });

  it('abandon makes the message available again with deliveryCount + 1', async () => {
    await fixture.client.createSender('orders').sendMessages({ body: 'retry-me' });
    const receiver = fixture.client.createReceiver('orders');

    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    await receiver.abandonMessage(first!, { lastError: 'timeout' });
    const [second] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });

    expect(second?.body).toBe('retry-me');
    expect(second?.deliveryCount).toBe(1);
    expect(second?.applicationProperties).toEqual({ lastError: 'timeout' });
    expect(second?.sequenceNumber?.toNumber()).toBe(first?.sequenceNumber?.toNumber());
    await receiver.completeMessage(second!);
  });

  it('dead-letters with reason and description into <queue>/$DeadLetterQueue', async () => {
    await fixture.client.createSender('orders').sendMessages({ body: 'poison', messageId: 'p-1' });
    const receiver = fixture.client.createReceiver('orders');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });

    await receiver.deadLetterMessage(message!, {
      deadLetterReason: 'Invalid',
      deadLetterErrorDescription: 'no serial',
    });

    expect(await receiver.peekMessages(10)).toHaveLength(0);
    const deadLetters = fixture.client.createReceiver('orders', { subQueueType: 'deadLetter' });
    const [deadLettered] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    expect(deadLettered?.messageId).toBe('p-1');
    expect(deadLettered?.deadLetterReason).toBe('Invalid');
    expect(deadLettered?.deadLetterErrorDescription).toBe('no serial');
    await deadLetters.completeMessage(deadLettered!);
    expect(await deadLetters.peekMessages(10)).toHaveLength(0);
  });

  it('dead-letters automatically after maxDeliveryCount deliveries (MaxDeliveryCountExceeded)', async () => {
    await fixture.client.createSender('orders').sendMessages({ body: 'keeps-failing' });
    const receiver = fixture.client.createReceiver('orders');

    const deliveryCounts: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
      deliveryCounts.push(message!.deliveryCount!);
      await receiver.abandonMessage(message!);
    }

    expect(deliveryCounts).toEqual([0, 1, 2]);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toHaveLength(0);
    const deadLetters = fixture.client.createReceiver('orders', { subQueueType: 'deadLetter' });
    const [deadLettered] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    expect(deadLettered?.body).toBe('keeps-failing');
    expect(deadLettered?.deadLetterReason).toBe('MaxDeliveryCountExceeded');
    expect(deadLettered?.deadLetterErrorDescription).toContain('3 delivery attempts');
  });

  it('renews a message lock through $management', async () => {
    await fixture.client.createSender('orders').sendMessages({ body: 'long-running' });
    const receiver = fixture.client.createReceiver('orders', { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    const lockedUntil = message!.lockedUntilUtc!.getTime();

    await new Promise((resolve) => setTimeout(resolve, 20));
    const renewedUntil = await receiver.renewMessageLock(message!);

    expect(renewedUntil.getTime()).toBeGreaterThan(lockedUntil);
    expect(message!.lockedUntilUtc!.getTime()).toBe(renewedUntil.getTime());
    await receiver.completeMessage(message!);
  });

  it('peeks without locking, with sequence numbers, from a given sequence number', async () => {
    await fixture.client.createSender('bulk').sendMessages([{ body: 'p1' }, { body: 'p2' }, { body: 'p3' }]);
    const receiver = fixture.client.createReceiver('bulk');

    const firstTwo = await receiver.peekMessages(2);
    const next = await receiver.peekMessages(5);
    const fromTwo = await receiver.peekMessages(5, { fromSequenceNumber: firstTwo[1]!.sequenceNumber! });

    expect(firstTwo.map((m): unknown[] => [m.body, m.sequenceNumber?.toNumber()])).toEqual([
      ['p1', 1],
      ['p2', 2],
    ]);
    expect(next.map(bodyOf)).toEqual(['p3']);
    expect(fromTwo.map(bodyOf)).toEqual(['p2', 'p3']);
    expect(firstTwo[0]?.lockToken).toBeUndefined();
    const received = await receiveAtLeast(receiver, 3);
    expect(received).toHaveLength(3); // peeking took nothing away
  });

  it('defers a message and hands it out again by sequence number', async () => {
    await fixture.client.createSender('orders').sendMessages({ body: 'later' });
    const receiver = fixture.client.createReceiver('orders');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    await receiver.deferMessage(message!);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toHaveLength(0);

    const [deferred] = await receiver.receiveDeferredMessages(message!.sequenceNumber!);

    expect(deferred?.body).toBe('later');
    await receiver.completeMessage(deferred!);
    expect(await receiver.peekMessages(5)).toHaveLength(0);
  });

  it('streams to subscribe() and completes after the handler returns', async () => {
    const sender = fixture.client.createSender('bulk');
    await sender.sendMessages([{ body: 1 }, { body: 2 }, { body: 3 }]);
    const receiver = fixture.client.createReceiver('bulk');
    const bodies: unknown[] = [];

    await new Promise<void>((resolve, reject) => {
      const subscription = receiver.subscribe(
        {
          processMessage: async (message: ServiceBusReceivedMessage) => {
            bodies.push(message.body);
            if (bodies.length === 3) resolve();
            return Promise.resolve();
          },
          processError: async ({ error }) => Promise.resolve(reject(error)),
        },
        { maxConcurrentCalls: 2 },
      );
      setTimeout(() => void subscription.close().then(() => reject(new Error('timed out'))), 5_000).unref();
    });
    await receiver.close();

    expect(bodies.sort()).toEqual([1, 2, 3]);
    expect(await fixture.client.createReceiver('bulk').peekMessages(5)).toHaveLength(0);
  });

  it('keeps delivering past 2048 peek-locked deliveries on one link (settled dispositions)', async () => {
    const sender = fixture.client.createSender('bulk');
    const total = 2_100;
    for (let start = 0; start < total; start += 300) {
      await sender.sendMessages(
        Array.from({ length: Math.min(300, total - start) }, (_, i) => ({ body: start + i })),
      );
    }
    const receiver = fixture.client.createReceiver('bulk');

    let completed = 0;
    const deadline = Date.now() + 20_000;
    while (completed < total && Date.now() < deadline) {
      const batch = await receiver.receiveMessages(500, { maxWaitTimeInMs: 1_000 });
      await Promise.all(batch.map((message) => receiver.completeMessage(message)));
      completed += batch.length;
    }

    expect(completed).toBe(total);
  }, 30_000);
});
