import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { type EntitiesDeclaration, type ServiceBusStandIn, startServiceBus } from '@mds/servicebus-broker';
import {
  serviceBusTriggerInput,
  serviceBusTriggerMetadata,
  startServiceBusTrigger,
  type ServiceBusTriggerSource,
} from '..';

interface BrokerFixture {
  broker: ServiceBusStandIn;
  client: ServiceBusClient;
  close(): Promise<void>;
}

/** The broker this extension is tested against, on an ephemeral port, with an SDK client for the test's side. */
async function startBroker(entities: EntitiesDeclaration): Promise<BrokerFixture> {
  const broker = await startServiceBus({ entities });
  const client = new ServiceBusClient(broker.connectionString, {
    retryOptions: { maxRetries: 2, retryDelayInMs: 100, timeoutInMs: 10_000 },
  });
  return {
    broker,
    client,
    close: async () => {
      await client.close();
      await broker.stop();
    },
  };
}

const entities = {
  queues: [{ name: 'commands', maxDeliveryCount: 2 }],
  topics: [
    {
      name: 'events',
      subscriptions: [{ name: 'audit', rules: [{ name: 'r', filter: { subject: 'audited' } }] }],
    },
  ],
};

describe('Service Bus trigger source (what the local Functions host plugs in)', () => {
  let fixture: BrokerFixture;
  let source: ServiceBusTriggerSource | undefined;

  beforeEach(async () => {
    fixture = await startBroker(entities);
  });

  afterEach(async () => {
    await source?.close();
    source = undefined;
    await fixture.close();
  });

  it('completes a message when the function succeeds and abandons it when it fails, until the broker dead-letters it', async () => {
    const attempts = new Map<unknown, number[]>();
    source = startServiceBusTrigger(
      { connectionString: fixture.broker.connectionString, queueName: 'commands' },
      (message) => {
        const seen = attempts.get(message.body) ?? [];
        seen.push(serviceBusTriggerMetadata(message).DeliveryCount as number);
        attempts.set(message.body, seen);
        return message.body === 'bad' ? Promise.reject(new Error('function failed')) : Promise.resolve();
      },
    );

    await fixture.client.createSender('commands').sendMessages([{ body: 'good' }, { body: 'bad' }]);
    const deadLetters = fixture.client.createReceiver('commands', { subQueueType: 'deadLetter' });
    const [deadLettered] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 5_000 });

    expect(attempts.get('good')).toEqual([1]);
    expect(attempts.get('bad')).toEqual([1, 2]);
    expect(deadLettered?.body).toBe('bad');
    expect(deadLettered?.deadLetterReason).toBe('MaxDeliveryCountExceeded');
    expect(await fixture.client.createReceiver('commands').peekMessages(5)).toHaveLength(0);
  });

  it('listens on a topic subscription and hands over the trigger metadata of the Functions extension', async () => {
    let resolveInvocation: (message: ServiceBusReceivedMessage) => void = () => undefined;
    const invoked = new Promise<ServiceBusReceivedMessage>((resolve) => (resolveInvocation = resolve));
    source = startServiceBusTrigger(
      { connectionString: fixture.broker.connectionString, topicName: 'events', subscriptionName: 'audit' },
      (message) => Promise.resolve(resolveInvocation(message)),
    );

    await fixture.client.createSender('events').sendMessages({
      body: { deviceId: 'd-1' },
      messageId: 'm-1',
      subject: 'audited',
      correlationId: 'c-1',
      contentType: 'application/json',
      applicationProperties: { TenantId: 't-1' },
    });
    const message = await invoked;
    const metadata = serviceBusTriggerMetadata(message);

    expect(serviceBusTriggerInput(message)).toEqual({ deviceId: 'd-1' });
    expect(metadata).toMatchObject({
      MessageId: 'm-1',
      DeliveryCount: 1,
      SequenceNumber: 1,
      Subject: 'audited',
      Label: 'audited',
      CorrelationId: 'c-1',
      ContentType: 'application/json',
      ApplicationProperties: { TenantId: 't-1' },
      UserProperties: { TenantId: 't-1' },
      LockToken: message.lockToken,
      EnqueuedTimeUtc: message.enqueuedTimeUtc!.toISOString(),
      ExpiresAtUtc: '9999-12-31T23:59:59.999Z',
    });
    expect(JSON.parse(JSON.stringify(metadata))).toEqual(metadata);
  });
});
