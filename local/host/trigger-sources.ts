import type { Clock } from '@mds/platform-kit';
import type { FunctionInfo } from './app-loader';
import type { LogSink } from './logger';

/**
 * Extension point for trigger kinds the host does not serve itself (Service Bus, Storage queues, ...).
 *
 * A source registers for one trigger binding type (`serviceBusTrigger`, `queueTrigger`, ...). When a host
 * starts and the app has functions with that trigger type, the host calls the factory once with those
 * functions' captured metadata (`fn.trigger` holds the binding options: `queueName`, `topicName`,
 * `subscriptionName`, `connection`, `cardinality`, ...; `%SETTING%` references are resolved by
 * `resolveSetting`). The source then listens however it likes and calls `invoke` per message:
 *
 *   invoke(functionName, triggerInput, triggerMetadata)
 *
 * - `triggerInput` is the value the handler receives: a string (JSON text is parsed by the library, as it is
 *   for the real host), a Buffer for binary bodies, or any JSON-serialisable value (an array for `many`).
 * - `triggerMetadata` keys use the real host's PascalCase names (`MessageId`, `DeliveryCount`, ...); the
 *   library camel-cases them into `context.triggerMetadata`.
 * - The promise resolves with the handler's return value and extra outputs once the invocation succeeded
 *   and rejects with a `FunctionInvocationError` when it failed, so the source can complete or abandon.
 *
 * Invocations through `invoke` count as host work (`waitForIdle`). `stop` is awaited when the host stops.
 */
export interface TriggerSourceContext {
  readonly triggerType: string;
  readonly functions: readonly FunctionInfo[];
  readonly clock: Clock;
  readonly log: LogSink;
  /** Resolves `%NAME%` references in binding options from app settings, as the real host does. */
  resolveSetting(value: string): string;
  invoke(
    functionName: string,
    triggerInput: unknown,
    triggerMetadata?: Record<string, unknown>,
  ): Promise<InvocationOutcome>;
}

export interface InvocationOutcome {
  readonly invocationId: string;
  readonly returnValue: unknown;
  /** Values the handler set on extra output bindings, by binding name. */
  readonly outputs: Readonly<Record<string, unknown>>;
}

export interface TriggerSource {
  stop(): Promise<void>;
}

export type TriggerSourceFactory = (context: TriggerSourceContext) => TriggerSource | Promise<TriggerSource>;

const factories = new Map<string, TriggerSourceFactory>();

/** Registers a source for one trigger type (case-insensitive); returns a function that unregisters it. */
export function registerTriggerSource(triggerType: string, factory: TriggerSourceFactory): () => void {
  const key = triggerType.toLowerCase();
  if (factories.has(key)) throw new Error(`A trigger source for "${triggerType}" is already registered.`);
  factories.set(key, factory);
  return () => {
    if (factories.get(key) === factory) factories.delete(key);
  };
}

export function registeredTriggerSources(): ReadonlyMap<string, TriggerSourceFactory> {
  return factories;
}
