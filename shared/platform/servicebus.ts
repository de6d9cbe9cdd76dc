import { type TokenCredential } from '@azure/core-auth';
import {
  ServiceBusClient,
  type ServiceBusClientOptions,
  type ServiceBusMessage,
  type ServiceBusSender,
} from '@azure/service-bus';
import { type DependencyProbe } from '../health/check';

/** The `ServiceBusConnection` connection, in the Functions convention. */
export interface ServiceBusSettings {
  ServiceBusConnection?: string;
  ServiceBusConnection__fullyQualifiedNamespace?: string;
}

/** The client opens its AMQP connection on first use, so building it costs nothing until then. */
export function createServiceBusClient(
  settings: ServiceBusSettings,
  credential: () => TokenCredential,
  options: ServiceBusClientOptions = {},
): ServiceBusClient {
  if (settings.ServiceBusConnection) return new ServiceBusClient(settings.ServiceBusConnection, options);
  const namespace = settings.ServiceBusConnection__fullyQualifiedNamespace;
  if (!namespace) throw new Error('ServiceBusConnection__fullyQualifiedNamespace is not set');
  return new ServiceBusClient(namespace, credential(), options);
}

/**
 * Retries for a send made while an HTTP caller waits. The SDK's defaults (3 retries of 60-second attempts, 30 s
 * apart) can hold a request for minutes, past Azure's 230-second HTTP limit; these answer within about 10 s, so the
 * caller hears 503 and retries, instead of timing out while its delivery is still claimed.
 */
/** The most a send on a request path may take, retries and connection included (see `enqueueOnboardings`). */
export const requestPathSendTimeoutMs = 10_000;

export const requestPathRetryOptions = {
  maxRetries: 1,
  retryDelayInMs: 500,
  maxRetryDelayInMs: 1_000,
  timeoutInMs: 4_000,
} as const;

/** Peeking proves the connection, the credential and the queue, and settles nothing. */
export function serviceBusProbe(serviceBus: ServiceBusClient, queueName: string): DependencyProbe {
  return {
    name: 'serviceBus',
    check: async (signal) => {
      const receiver = serviceBus.createReceiver(queueName);
      try {
        await receiver.peekMessages(1, { abortSignal: signal });
      } finally {
        await receiver.close();
      }
    },
  };
}

/** Sends messages in as few batches as fit the entity's size limit (nothing is sent for an empty list). */
export async function sendInBatches(
  sender: ServiceBusSender,
  messages: readonly ServiceBusMessage[],
): Promise<void> {
  let batch = await sender.createMessageBatch();
  for (const message of messages) {
    if (batch.tryAddMessage(message)) continue;
    if (batch.count === 0)
      throw new Error(`message ${String(message.messageId)} exceeds the maximum message size`);
    await sender.sendMessages(batch);
    batch = await sender.createMessageBatch();
    if (!batch.tryAddMessage(message))
      throw new Error(`message ${String(message.messageId)} exceeds the maximum message size`);
  }
  if (batch.count > 0) await sender.sendMessages(batch);
}
