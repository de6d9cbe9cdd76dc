import type { HistoryEvent } from './history';
import { EventType } from './history';
import type { InstanceRecord } from './instance-store';
import type { TimerLimits } from './replay';

/** .NET `TimeSpan` text (`d.hh:mm:ss`), the form the extension sends the timer limits in. */
function timeSpan(ms: number): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const seconds = Math.floor(ms / 1000);
  const days = Math.floor(seconds / 86400);
  const clock = `${pad(Math.floor((seconds % 86400) / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
  return days > 0 ? `${days}.${clock}` : clock;
}

/**
 * The orchestration trigger payload, as the extension's OrchestrationTriggerAttributeBindingProvider builds
 * it: past events (before the last OrchestratorStarted) are `IsPlayed`, the input travels as a JSON value.
 */
export function orchestratorInput(
  record: Pick<InstanceRecord, 'history' | 'input' | 'instanceId' | 'parent'>,
  limits: TimerLimits,
): Record<string, unknown> {
  const lastStart = record.history.map((e) => e.EventType).lastIndexOf(EventType.OrchestratorStarted);
  return {
    history: record.history.map((event: HistoryEvent, i) => ({ ...event, IsPlayed: i < lastStart })),
    input: record.input,
    instanceId: record.instanceId,
    isReplaying: lastStart > 0,
    parentInstanceId: record.parent?.instanceId ?? null,
    // Extension schema V2 for old readers; V4 (the newest durable-functions knows) in the new field.
    upperSchemaVersion: 1,
    upperSchemaVersionNew: 3,
    longRunningTimerIntervalDuration: timeSpan(limits.longRunningTimerIntervalMs),
    maximumShortTimerDuration: timeSpan(limits.maximumShortTimerMs),
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  };
}
