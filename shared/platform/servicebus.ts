import { type TokenCredential } from '@azure/core-auth';
import { ServiceBusClient } from '@azure/service-bus';
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
): ServiceBusClient {
  if (settings.ServiceBusConnection) return new ServiceBusClient(settings.ServiceBusConnection);
  const namespace = settings.ServiceBusConnection__fullyQualifiedNamespace;
  if (!namespace) throw new Error('ServiceBusConnection__fullyQualifiedNamespace is not set');
  return new ServiceBusClient(namespace, credential());
}

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
