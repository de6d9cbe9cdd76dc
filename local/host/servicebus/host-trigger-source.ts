import { VirtualClock } from '@mds/platform-kit';
import { type TriggerSource, type TriggerSourceContext } from '../trigger-sources';
import { startServiceBusTrigger } from './trigger-source';
import { serviceBusTriggerInput, serviceBusTriggerMetadata } from './trigger-metadata';

interface ServiceBusBindingOptions {
  queueName?: string;
  topicName?: string;
  subscriptionName?: string;
  /** The app setting that holds the connection string (the real host's default name when absent). */
  connection?: string;
}

/**
 * Serves `serviceBusTrigger` functions for the local host, as the Functions Service Bus extension does in Azure:
 * one peek-lock receiver per function on the entity its binding names, through the connection its `connection`
 * setting holds.
 */
export function serviceBusTriggerSource(context: TriggerSourceContext): TriggerSource {
  const receivers = context.functions.map((fn) => {
    const binding = fn.trigger as ServiceBusBindingOptions;
    const settingName = context.resolveSetting(binding.connection ?? 'AzureWebJobsServiceBus');
    const connectionString = process.env[settingName];
    if (!connectionString)
      throw new Error(`${fn.name}: app setting ${settingName} (its Service Bus connection) is not set`);
    const entity = binding.queueName
      ? { queueName: context.resolveSetting(binding.queueName) }
      : {
          topicName: context.resolveSetting(binding.topicName ?? ''),
          subscriptionName: context.resolveSetting(binding.subscriptionName ?? ''),
        };
    return startServiceBusTrigger(
      {
        connectionString,
        ...entity,
        // The SDK times lock renewal by wall time; under a virtual clock that would spin, and nothing needs it.
        ...(context.clock instanceof VirtualClock ? { maxAutoLockRenewalDurationInMs: 0 } : {}),
        onError: (error) =>
          context.log({
            level: 'warning',
            category: 'host',
            functionName: fn.name,
            message: `Service Bus receiver: ${error.message}`,
          }),
      },
      async (message) => {
        await context.invoke(fn.name, serviceBusTriggerInput(message), serviceBusTriggerMetadata(message));
      },
    );
  });
  return { stop: async () => void (await Promise.all(receivers.map((r) => r.close()))) };
}
