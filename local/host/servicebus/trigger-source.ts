import {
  ServiceBusClient,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
} from '@azure/service-bus';

/** Which entity a `serviceBusTrigger` listens to, with the names its binding options use. */
export type ServiceBusTriggerEntity =
  | { readonly queueName: string; readonly topicName?: undefined; readonly subscriptionName?: undefined }
  | { readonly queueName?: undefined; readonly topicName: string; readonly subscriptionName: string };

export type ServiceBusTriggerOptions = ServiceBusTriggerEntity & {
  readonly connectionString: string;
  /** Messages processed at once; the Functions extension's default is 16 per core. Default 16. */
  readonly maxConcurrentCalls?: number;
  /**
   * How long the SDK keeps renewing a message's lock while the function runs; host.json's
   * `maxAutoLockRenewalDuration` defaults to 5 minutes. Use 0 against a broker on a virtual clock: the SDK times
   * renewals by wall time from the broker's `lockedUntilUtc`, which a virtual clock can put in the past.
   */
  readonly maxAutoLockRenewalDurationInMs?: number;
  /** Receive and settlement failures (connection drops the SDK recovers from included). Default: console.warn. */
  readonly onError?: (error: Error) => void;
};

export interface ServiceBusTriggerSource {
  /** Stops receiving, lets pending settlements finish, and closes the client. */
  close(): Promise<void>;
}

/**
 * Delivers messages to `invoke` the way the Functions Service Bus trigger does: peek-lock; complete when `invoke`
 * resolves, abandon when it rejects, so the broker delivers again and dead-letters after `maxDeliveryCount`.
 */
export function startServiceBusTrigger(
  options: ServiceBusTriggerOptions,
  invoke: (message: ServiceBusReceivedMessage) => Promise<void>,
): ServiceBusTriggerSource {
  const onError = options.onError ?? ((error: Error) => console.warn('Service Bus trigger:', error.message));
  // Short tries: on loopback an answer takes milliseconds, and the SDK's default (60 s a try) holds a host's stop for
  // minutes after the broker went away and came back.
  const client = new ServiceBusClient(options.connectionString, {
    retryOptions: { timeoutInMs: 5_000, maxRetries: 3, retryDelayInMs: 500, maxRetryDelayInMs: 2_000 },
  });
  const receiverOptions = {
    receiveMode: 'peekLock' as const,
    maxAutoLockRenewalDurationInMs: options.maxAutoLockRenewalDurationInMs ?? 5 * 60_000,
  };
  const receiver: ServiceBusReceiver =
    options.queueName !== undefined
      ? client.createReceiver(options.queueName, receiverOptions)
      : client.createReceiver(options.topicName, options.subscriptionName, receiverOptions);

  /**
   * One settlement at a time: rhea (3.0.4, under the SDK) writes the dispositions of one tick as ranges and merges
   * a delivery into a one-delivery range without comparing outcomes, so an abandon issued in the same tick as a
   * complete would go out as a complete, and the failed message would be lost instead of retried.
   */
  let settlements = Promise.resolve();
  const settle = (message: ServiceBusReceivedMessage, succeeded: boolean): Promise<void> => {
    settlements = settlements.then(async () => {
      try {
        if (succeeded) await receiver.completeMessage(message);
        else await receiver.abandonMessage(message);
      } catch (error) {
        // A lost lock means the broker will deliver the message again; nothing else to do.
        onError(error instanceof Error ? error : new Error(String(error)));
      }
    });
    return settlements;
  };

  const subscription = receiver.subscribe(
    {
      processMessage: async (message) => {
        const succeeded = await invoke(message).then(
          () => true,
          () => false,
        );
        await settle(message, succeeded);
      },
      processError: ({ error }) => Promise.resolve(onError(error)),
    },
    { autoCompleteMessages: false, maxConcurrentCalls: options.maxConcurrentCalls ?? 16 },
  );

  return {
    close: async () => {
      await subscription.close();
      await settlements;
      await receiver.close();
      await client.close();
    },
  };
}
