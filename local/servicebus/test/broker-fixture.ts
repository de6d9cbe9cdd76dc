import {
  ServiceBusClient,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
} from '@azure/service-bus';
import type { Clock } from '@mds/platform-kit';
import { startServiceBus, type ServiceBusStandIn } from '..';
import type { EntitiesDeclaration } from '..';

export interface BrokerFixture {
  broker: ServiceBusStandIn;
  client: ServiceBusClient;
  /** Closes the client (and every sender/receiver it made) and stops the broker. */
  close(): Promise<void>;
}

/** A broker on an ephemeral port with the test's own entities, and a real SDK client for it. */
export async function startBroker(entities: EntitiesDeclaration, clock?: Clock): Promise<BrokerFixture> {
  const broker = await startServiceBus({ entities, clock });
  const client = new ServiceBusClient(broker.connectionString, {
    // Fail fast in tests; the restart test opts back into patience where it needs it.
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

/** Receives until `count` messages arrived or `deadlineMs` passed; returns what arrived. */
export async function receiveAtLeast(
  receiver: ServiceBusReceiver,
  count: number,
  deadlineMs = 5_000,
): Promise<ServiceBusReceivedMessage[]> {
  const received: ServiceBusReceivedMessage[] = [];
  const deadline = Date.now() + deadlineMs;
  while (received.length < count && Date.now() < deadline) {
    const batch = await receiver.receiveMessages(count - received.length, {
      maxWaitTimeInMs: Math.max(50, Math.min(1_000, deadline - Date.now())),
    });
    received.push(...batch);
  }
  return received;
}

/**
 * Receives the `expected` messages, then waits briefly for any beyond them, so that a test can assert the exact
 * set without waiting out a long deadline.
 */
export async function receiveAll(
  receiver: ServiceBusReceiver,
  expected: number,
): Promise<ServiceBusReceivedMessage[]> {
  const received = await receiveAtLeast(receiver, expected);
  const extra = await receiver.receiveMessages(10, { maxWaitTimeInMs: 200 });
  return [...received, ...extra];
}

/** The SDK types bodies as `any`; tests compare them as unknown values. */
export function bodyOf(message: ServiceBusReceivedMessage): unknown {
  return message.body;
}
