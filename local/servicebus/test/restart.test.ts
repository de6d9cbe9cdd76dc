import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { startServiceBus, type ServiceBusStandIn } from '..';
import { bodyOf, receiveAtLeast } from './broker-fixture';

const entities = { queues: [{ name: 'work' }, { name: 'stream' }], topics: [] };

describe('Service Bus stand-in: restarting the broker under connected clients', () => {
  let broker: ServiceBusStandIn;
  let client: ServiceBusClient;

  beforeEach(async () => {
    broker = await startServiceBus({ entities });
    client = new ServiceBusClient(broker.connectionString, {
      retryOptions: { maxRetries: 10, retryDelayInMs: 100, maxRetryDelayInMs: 500, timeoutInMs: 10_000 },
    });
  });

  afterEach(async () => {
    await client.close();
    await broker.stop();
  });

  /**
   * The SDK handles a dropped connection asynchronously; an operation issued in the instant it does can try to
   * reopen the old connection and fail with "Failed to connect", which the SDK does not retry (as against a real
   * namespace). The pause, like a real restart's, lets it finish first.
   */
  async function restartWithPause(): Promise<void> {
    await broker.stop();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await broker.restart();
  }

  it('loses no sent message: N before the restart, M after, all N+M received', async () => {
    const sender = client.createSender('work');
    const before = Array.from({ length: 25 }, (_, i) => ({ body: `before-${i}` }));
    await sender.sendMessages(before.slice(0, 5));
    await sender.sendMessages(before.slice(5));

    await restartWithPause();
    const after = Array.from({ length: 15 }, (_, i) => ({ body: `after-${i}` }));
    for (const message of after) await sender.sendMessages(message); // the same sender reconnects

    const receiver = client.createReceiver('work');
    const received = await receiveAtLeast(receiver, 40, 10_000);
    await Promise.all(received.map((message) => receiver.completeMessage(message)));

    expect(received.map(bodyOf)).toEqual([...before, ...after].map((message) => message.body));
    expect(broker.port).toBeGreaterThan(0);
  });

  it('keeps locks across the restart: a message received before it is completed after it', async () => {
    await client.createSender('work').sendMessages({ body: 'in-flight' });
    const receiver = client.createReceiver('work', { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });

    await restartWithPause();
    // Its link is gone, so the SDK settles through $management with the lock token.
    await receiver.completeMessage(message!);

    expect(await receiver.peekMessages(5)).toHaveLength(0);
  });

  it('a subscribed receiver reconnects by itself and gets what was sent after the restart', async () => {
    const receiver = client.createReceiver('stream');
    const bodies: unknown[] = [];
    const subscription = receiver.subscribe({
      processMessage: (message: ServiceBusReceivedMessage) => Promise.resolve(void bodies.push(message.body)),
      processError: () => Promise.resolve(),
    });
    await client.createSender('stream').sendMessages([{ body: 1 }, { body: 2 }]);
    await waitFor(() => bodies.length === 2);

    await broker.restart();
    // A second client sends: a send racing the subscriber's reconnect attempts during the restart can fail with
    // "Failed to connect", which the SDK does not retry, exactly as against a real namespace.
    const laterClient = new ServiceBusClient(broker.connectionString);
    await laterClient.createSender('stream').sendMessages([{ body: 3 }, { body: 4 }]);
    await waitFor(() => bodies.length === 4, 10_000);
    await subscription.close();
    await laterClient.close();

    expect(bodies).toEqual([1, 2, 3, 4]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
