import type { EntitiesDeclaration } from '..';
import { bodyOf, receiveAll, receiveAtLeast, startBroker, type BrokerFixture } from './broker-fixture';

const entities: EntitiesDeclaration = {
  queues: [],
  topics: [
    {
      name: 'events',
      subscriptions: [
        {
          name: 'results',
          rules: [
            { name: 'succeeded', filter: { subject: 'job.succeeded' } },
            { name: 'failed', filter: { subject: 'job.failed' } },
          ],
        },
        {
          name: 'tenant-a',
          rules: [{ name: 'tenant', filter: { applicationProperties: { tenantId: 'a' } } }],
        },
        {
          name: 'tenant-a-failures',
          rules: [
            { name: 'both', filter: { subject: 'job.failed', applicationProperties: { tenantId: 'a' } } },
          ],
        },
        { name: 'everything', maxDeliveryCount: 1 },
      ],
    },
  ],
};

describe('Service Bus stand-in: topics and subscriptions', () => {
  let fixture: BrokerFixture;

  beforeAll(async () => {
    fixture = await startBroker(entities);
    await fixture.client.createSender('events').sendMessages([
      { body: 1, subject: 'job.succeeded', applicationProperties: { tenantId: 'a' } },
      { body: 2, subject: 'job.failed', applicationProperties: { tenantId: 'b' } },
      { body: 3, subject: 'job.started', applicationProperties: { tenantId: 'a' } },
      { body: 4, subject: 'job.failed', applicationProperties: { tenantId: 'a' } },
    ]);
  });

  afterAll(async () => {
    await fixture.close();
  });

  async function bodiesIn(subscription: string, expected: number): Promise<unknown[]> {
    const receiver = fixture.client.createReceiver('events', subscription, {
      receiveMode: 'receiveAndDelete',
    });
    return (await receiveAll(receiver, expected)).map(bodyOf);
  }

  it('copies a message to every subscription whose rules match (rules are OR-ed)', async () => {
    expect(await bodiesIn('results', 3)).toEqual([1, 2, 4]);
  });

  it('matches correlation filters on application properties, and on several properties together', async () => {
    expect(await bodiesIn('tenant-a', 3)).toEqual([1, 3, 4]);
    expect(await bodiesIn('tenant-a-failures', 1)).toEqual([4]);
  });

  it('lets every message into a subscription without rules; its dead-letter path is <topic>/Subscriptions/<name>/$DeadLetterQueue', async () => {
    const receiver = fixture.client.createReceiver('events', 'everything');
    const received = await receiveAtLeast(receiver, 4);
    expect(received.map(bodyOf)).toEqual([1, 2, 3, 4]);

    await receiver.abandonMessage(received[0]!); // maxDeliveryCount 1: straight to the dead-letter sub-queue
    await receiver.deadLetterMessage(received[1]!, {
      deadLetterReason: 'Rejected',
      deadLetterErrorDescription: 'no',
    });
    await Promise.all(received.slice(2).map((message) => receiver.completeMessage(message)));

    const deadLetters = fixture.client.createReceiver('events', 'everything', { subQueueType: 'deadLetter' });
    const deadLettered = await receiveAtLeast(deadLetters, 2);
    expect(deadLettered.map((message): unknown[] => [message.body, message.deadLetterReason])).toEqual([
      [1, 'MaxDeliveryCountExceeded'],
      [2, 'Rejected'],
    ]);
  });

  it('refuses to receive from the topic itself', async () => {
    const receiver = fixture.client.createReceiver('events' as string, { receiveMode: 'receiveAndDelete' });

    await expect(receiver.receiveMessages(1, { maxWaitTimeInMs: 500 })).rejects.toThrow(/topic/);
  });
});
