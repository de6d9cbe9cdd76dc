import { VirtualClock } from '@mds/platform-kit';
import { bodyOf, receiveAll, receiveAtLeast, startBroker, type BrokerFixture } from './broker-fixture';

const entities = {
  queues: [
    { name: 'reminders' },
    { name: 'orders', duplicateDetectionHistoryTimeWindow: 'PT10M' },
    { name: 'short-lived', defaultMessageTimeToLive: 'PT1M', deadLetteringOnMessageExpiration: true },
  ],
  topics: [{ name: 'announcements', subscriptions: [{ name: 'all' }] }],
};

describe('Service Bus stand-in: scheduled messages, duplicate detection, expiry (on a virtual clock)', () => {
  let clock: VirtualClock;
  let fixture: BrokerFixture;

  beforeEach(async () => {
    clock = new VirtualClock(Date.now());
    fixture = await startBroker(entities, clock);
  });

  afterEach(async () => {
    await fixture.close();
  });

  it('enqueues a scheduled message at its time; until then peek shows it as scheduled', async () => {
    const sender = fixture.client.createSender('reminders');
    const at = new Date(clock.now() + 3_600_000);
    const [sequenceNumber] = await sender.scheduleMessages({ body: 'wake up' }, at);
    const receiver = fixture.client.createReceiver('reminders', { receiveMode: 'receiveAndDelete' });

    const [peeked] = await receiver.peekMessages(1);
    expect(peeked?.state).toBe('scheduled');
    expect(peeked?.sequenceNumber?.toNumber()).toBe(sequenceNumber?.toNumber());
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toHaveLength(0);

    await clock.advanceTo(at.getTime());
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    expect(message?.body).toBe('wake up');
    expect(message?.enqueuedTimeUtc?.getTime()).toBe(at.getTime());
    expect(message?.scheduledEnqueueTimeUtc?.getTime()).toBe(at.getTime());
  });

  it('honours scheduledEnqueueTimeUtc on a plain send, and schedules on topics too', async () => {
    const at = new Date(clock.now() + 60_000);
    await fixture.client
      .createSender('announcements')
      .sendMessages({ body: 'soon', scheduledEnqueueTimeUtc: at });
    const receiver = fixture.client.createReceiver('announcements', 'all', {
      receiveMode: 'receiveAndDelete',
    });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toHaveLength(0);

    await clock.advance(60_000);

    expect((await receiveAtLeast(receiver, 1)).map(bodyOf)).toEqual(['soon']);
  });

  it('cancels scheduled messages by sequence number', async () => {
    const sender = fixture.client.createSender('reminders');
    const at = new Date(clock.now() + 60_000);
    const [keep, cancel] = await sender.scheduleMessages([{ body: 'keep' }, { body: 'cancel' }], at);

    await sender.cancelScheduledMessages(cancel!);
    await clock.advance(60_000);

    const receiver = fixture.client.createReceiver('reminders', { receiveMode: 'receiveAndDelete' });
    const received = await receiveAll(receiver, 1);
    expect(received.map((message): unknown[] => [message.body, message.sequenceNumber?.toNumber()])).toEqual([
      ['keep', keep?.toNumber()],
    ]);
    await expect(sender.cancelScheduledMessages(cancel!)).rejects.toMatchObject({ code: 'MessageNotFound' });
  });

  it('drops a message whose messageId was seen within the duplicate detection window', async () => {
    const sender = fixture.client.createSender('orders');
    await sender.sendMessages({ body: 'first', messageId: 'order-1' });
    await sender.sendMessages({ body: 'duplicate', messageId: 'order-1' });
    await sender.sendMessages([
      { body: 'other', messageId: 'order-2' },
      { body: 'dup-in-batch', messageId: 'order-2' },
    ]);
    await clock.advance(10 * 60_000);
    await sender.sendMessages({ body: 'after the window', messageId: 'order-1' });

    const receiver = fixture.client.createReceiver('orders', { receiveMode: 'receiveAndDelete' });
    const received = await receiveAll(receiver, 3);

    expect(received.map(bodyOf)).toEqual(['first', 'other', 'after the window']);
  });

  it('expires messages after their time to live (entity default or the message’s, whichever is shorter)', async () => {
    const sender = fixture.client.createSender('short-lived');
    await sender.sendMessages([{ body: 'default-ttl' }, { body: 'own-ttl', timeToLive: 10_000 }]);
    const receiver = fixture.client.createReceiver('short-lived', { receiveMode: 'receiveAndDelete' });

    await clock.advance(10_000);
    const [survivor] = await receiver.peekMessages(5);
    expect(survivor?.body).toBe('default-ttl');
    expect(survivor!.expiresAtUtc!.getTime() - survivor!.enqueuedTimeUtc!.getTime()).toBe(60_000);
    await clock.advance(50_000);

    expect(await receiver.receiveMessages(5, { maxWaitTimeInMs: 300 })).toHaveLength(0);
    const deadLetters = fixture.client.createReceiver('short-lived', { subQueueType: 'deadLetter' });
    const expired = await receiveAtLeast(deadLetters, 2);
    expect(expired.map((message): unknown[] => [message.body, message.deadLetterReason])).toEqual([
      ['default-ttl', 'TTLExpiredException'],
      ['own-ttl', 'TTLExpiredException'],
    ]);
  });
});
