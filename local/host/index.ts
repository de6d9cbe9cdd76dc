// Public surface of the local Functions host.
import './extensions';
export { startHost, type DurableHelpers, type HostHandle, type StartHostOptions } from './host';
export { runHost, type RunHostOptions } from './run-host';
export { installFunctionsCoreResolver } from './install-core';
export {
  registerTriggerSource,
  type InvocationOutcome,
  type TriggerSource,
  type TriggerSourceContext,
  type TriggerSourceFactory,
} from './trigger-sources';
export type { BindingOptions, FunctionInfo } from './app-loader';
export type { HostKeys } from './keys';
export type { LogEntry, LogSink } from './logger';
export { consoleLogSink } from './logger';
export type { InstanceStatus } from './durable/engine';
export type { DurableClientData } from './durable/client-data';
export { DurableApiError } from './durable/webhook-client';
export { FunctionInvocationError } from './invoker';
export { HostTimeoutError } from './work-tracker';

// Durable primitives the orchestration test harness (local/durable-harness) drives orchestrators with.
export {
  type FailureDetails,
  type HistoryEvent,
  type IncomingEvent,
  EventType,
  history,
} from './durable/history';
export {
  type Decision,
  type TimerLimits,
  NonDeterminismError,
  defaultTimerLimits,
  replay,
} from './durable/replay';
export { type EpisodeOutcome, type HandlerRun, episodeOutcome, handlerRunFromError } from './durable/episode';
export { orchestratorInput } from './durable/orchestrator-input';
export { parseOrchestratorState } from './durable/orchestrator-state';
export { activityFailure } from './durable/task-failure';

// The Service Bus extension: what the host plugs in for `serviceBusTrigger`, usable on its own.
export { startServiceBusTrigger } from './servicebus/trigger-source';
export type {
  ServiceBusTriggerEntity,
  ServiceBusTriggerOptions,
  ServiceBusTriggerSource,
} from './servicebus/trigger-source';
export { serviceBusTriggerInput, serviceBusTriggerMetadata } from './servicebus/trigger-metadata';
