import { WallClock, type Clock } from '@mds/platform-kit';
import type { EntitiesDeclaration } from './entities';
import { AmqpListener } from './amqp-listener';
import { ServiceBusState } from './namespace';

export interface ServiceBusStandInOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  entities: EntitiesDeclaration;
  /** Drives enqueue times, scheduled messages, lock expiry, TTL and duplicate windows. Default: wall time. */
  clock?: Clock;
  /** Announced on every attach; the SDK sizes message batches by it. Default 256 KB, as in the Standard tier. */
  maxMessageSizeInBytes?: number;
}

export interface ServiceBusStandIn {
  readonly port: number;
  readonly host: string;
  /** For `new ServiceBusClient(connectionString)`: plain AMQP on the port, SAS accepted without checking. */
  readonly connectionString: string;
  /** Closes the listener and drops every client connection. Entity state (messages, locks) stays in memory. */
  stop(): Promise<void>;
  /**
   * Listens again on the same port with the same entity state; stops first if running. Clients reconnect on their
   * next operation (streaming receivers at once). An operation issued in the instant the SDK is handling the drop
   * can fail with "Failed to connect", which the SDK does not retry: the same as against a real namespace.
   */
  restart(): Promise<void>;
}

const DEFAULT_MAX_MESSAGE_SIZE = 256 * 1024;

/** Starts an AMQP 1.0 broker that the real `@azure/service-bus` client talks to as if it were Service Bus. */
export async function startServiceBus(options: ServiceBusStandInOptions): Promise<ServiceBusStandIn> {
  const state = new ServiceBusState(options.entities, options.clock ?? new WallClock());
  const host = options.host ?? '127.0.0.1';
  const maxMessageSize = options.maxMessageSizeInBytes ?? DEFAULT_MAX_MESSAGE_SIZE;
  let listener: AmqpListener | undefined = await AmqpListener.open(
    state,
    host,
    options.port ?? 0,
    maxMessageSize,
  );
  const port = listener.port;

  const stop = async (): Promise<void> => {
    const running = listener;
    listener = undefined;
    await running?.close();
  };
  return {
    port,
    host,
    connectionString: serviceBusConnectionString(host, port),
    stop,
    restart: async () => {
      await stop();
      listener = await AmqpListener.open(state, host, port, maxMessageSize);
    },
  };
}

/**
 * `UseDevelopmentEmulator=true` makes the SDK use plain TCP and honour the port in the endpoint. The key is never
 * checked: the broker accepts every CBS token.
 */
function serviceBusConnectionString(host: string, port: number): string {
  return `Endpoint=sb://${host}:${port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=local-development;UseDevelopmentEmulator=true`;
}
