import { isServiceBusError, type ServiceBusError } from '@azure/service-bus';
import { VirtualClock } from '@mds/platform-kit';
import { startBroker, type BrokerFixture } from './broker-fixture';

const entities = { queues: [{ name: 'jobs', lockDuration: 'PT1M', maxDeliveryCount: 5 }], topics: [] };

async function serviceBusErrorOf(action: Promise<unknown>): Promise<ServiceBusError> {
  const error: unknown = await action.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!isServiceBusError(error)) throw new Error(`expected a ServiceBusError, got ${String(error)}`);
  return error;
}

describe('Service Bus stand-in: errors the SDK surfaces', () => {
  let clock: VirtualClock;
  let fixture: BrokerFixture;

  beforeEach(async () => {
    clock = new VirtualClock(Date.now());
    fixture = await startBroker(entities, clock);
  });

  afterEach(async () => {
    await fixture.close();
  });

  it('MessagingEntityNotFound when sending to a queue that does not exist', async () => {
    const error = await serviceBusErrorOf(
      fixture.client.createSender('no-such-queue').sendMessages({ body: 1 }),
    );

    expect(error.code).toBe('MessagingEntityNotFound');
    expect(error.message).toContain('no-such-queue');
  });

  it('MessagingEntityNotFound when receiving from a subscription that does not exist', async () => {
    const receiver = fixture.client.createReceiver('jobs', 'no-such-subscription');

    const error = await serviceBusErrorOf(receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 }));

    expect(error.code).toBe('MessagingEntityNotFound');
  });

  it('MessageLockLost when settling after the lock expired; the message is delivered again', async () => {
    await fixture.client.createSender('jobs').sendMessages({ body: 'slow' });
    // Auto-renewal would keep the lock: the point here is a lock that runs out.
    const receiver = fixture.client.createReceiver('jobs', { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    expect(message!.lockedUntilUtc!.getTime()).toBe(clock.now() + 60_000);

    await clock.advance(60_001);
    const completeError = await serviceBusErrorOf(receiver.completeMessage(message!));
    const renewError = await serviceBusErrorOf(receiver.renewMessageLock(message!));
    const [again] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });

    expect(completeError.code).toBe('MessageLockLost');
    expect(renewError.code).toBe('MessageLockLost');
    expect(again?.body).toBe('slow');
    expect(again?.deliveryCount).toBe(1);
    await receiver.completeMessage(again!);
  });

  it('settles each delivery with its own result when settlements arrive together (one lock lost, one valid)', async () => {
    const sender = fixture.client.createSender('jobs');
    const receiver = fixture.client.createReceiver('jobs', { maxAutoLockRenewalDurationInMs: 0 });
    await sender.sendMessages({ body: 'expires' });
    const [expiring] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    await clock.advance(30_000);
    await sender.sendMessages({ body: 'valid' });
    const [valid] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    await clock.advance(30_001);

    // Both dispositions leave in one frame; the broker's answers must not be merged the same way.
    const [expiredResult, validResult] = await Promise.allSettled([
      receiver.completeMessage(expiring!),
      receiver.completeMessage(valid!),
    ]);

    expect(expiredResult).toMatchObject({ status: 'rejected', reason: { code: 'MessageLockLost' } });
    expect(validResult.status).toBe('fulfilled');
  });

  it('MessageLockLost when settling a message twice', async () => {
    await fixture.client.createSender('jobs').sendMessages({ body: 'once' });
    const receiver = fixture.client.createReceiver('jobs', { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    await receiver.completeMessage(message!);

    // The SDK refuses a second settle on the same delivery itself; through $management it reaches the broker.
    const error = await serviceBusErrorOf(receiver.renewMessageLock(message!));

    expect(error.code).toBe('MessageLockLost');
  });

  it('refuses session receivers: the local broker has no sessions', async () => {
    await expect(
      fixture.client.acceptNextSession('jobs', { maxAutoLockRenewalDurationInMs: 0 }),
    ).rejects.toThrow(/does not support sessions/);
  });

  it('MessageSizeExceeded for a message larger than max_message_size', async () => {
    const error = await serviceBusErrorOf(
      fixture.client.createSender('jobs').sendMessages({ body: Buffer.alloc(300 * 1024) }),
    );

    expect(error.code).toBe('MessageSizeExceeded');
  });
});
