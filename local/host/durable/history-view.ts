import { EventType, type HistoryEvent, OrchestrationStatus } from './history';

/**
 * The history as the Durable HTTP API shows it with `showHistory=true`, following the extension's
 * DurableClient (GetDurableOrchestrationStatusAsync): event types and orchestration statuses by name; no
 * `EventId`, `IsPlayed` or inputs; no OrchestratorStarted/OrchestratorCompleted; a TaskScheduled (or
 * SubOrchestrationInstanceCreated) folded into its completion or failure as `FunctionName` and `ScheduledTime`;
 * the orchestration's name as `FunctionName` on ExecutionStarted. Results, parsed from JSON, only with
 * `showHistoryOutput=true`.
 */
export function historyView(
  events: readonly HistoryEvent[],
  showHistoryOutput: boolean,
): Record<string, unknown>[] {
  const typeNames = nameOf(EventType);
  const statusNames = nameOf(OrchestrationStatus);
  const scheduled = new Map<string, { index: number; name: string; at: string }>();
  const folded = new Set<number>();
  const output = (result: string): Record<string, unknown> =>
    showHistoryOutput ? { Result: parseResult(result) } : {};
  const foldInto = (key: string): Record<string, unknown> => {
    const origin = scheduled.get(key);
    if (!origin) return {};
    folded.add(origin.index);
    return { FunctionName: origin.name, ScheduledTime: origin.at };
  };

  const shown = events.map((event, index): Record<string, unknown> | undefined => {
    const head = { EventType: typeNames.get(event.EventType) };
    switch (event.EventType) {
      case EventType.OrchestratorStarted:
      case EventType.OrchestratorCompleted:
        return undefined;
      case EventType.ExecutionStarted:
        return { ...head, FunctionName: event.Name, Timestamp: event.Timestamp };
      case EventType.ExecutionCompleted:
        return {
          ...head,
          OrchestrationStatus: statusNames.get(event.OrchestrationStatus),
          ...output(event.Result),
          Timestamp: event.Timestamp,
        };
      case EventType.TaskScheduled:
        scheduled.set(`task:${event.EventId}`, { index, name: event.Name, at: event.Timestamp });
        return { ...head, Name: event.Name, Timestamp: event.Timestamp };
      case EventType.SubOrchestrationInstanceCreated:
        scheduled.set(`sub:${event.EventId}`, { index, name: event.Name, at: event.Timestamp });
        return { ...head, Name: event.Name, InstanceId: event.InstanceId, Timestamp: event.Timestamp };
      case EventType.TaskCompleted:
      case EventType.SubOrchestrationInstanceCompleted: {
        const kind = event.EventType === EventType.TaskCompleted ? 'task' : 'sub';
        return {
          ...head,
          ...foldInto(`${kind}:${event.TaskScheduledId}`),
          ...output(event.Result),
          Timestamp: event.Timestamp,
        };
      }
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceFailed: {
        const kind = event.EventType === EventType.TaskFailed ? 'task' : 'sub';
        return {
          ...head,
          ...foldInto(`${kind}:${event.TaskScheduledId}`),
          Reason: event.Reason,
          Details: event.Details,
          ...(event.FailureDetails ? { FailureDetails: event.FailureDetails } : {}),
          Timestamp: event.Timestamp,
        };
      }
      case EventType.TimerCreated:
      case EventType.TimerFired:
        return { ...head, FireAt: event.FireAt, Timestamp: event.Timestamp };
      case EventType.EventRaised:
        return { ...head, Name: event.Name, Timestamp: event.Timestamp };
    }
  });
  return shown.filter((e, index): e is Record<string, unknown> => e !== undefined && !folded.has(index));
}

function nameOf<V>(values: Readonly<Record<string, V>>): Map<V, string> {
  return new Map(Object.entries(values).map(([name, value]) => [value, name]));
}

/** Like the extension's ParseToJToken: JSON when it parses, the raw text otherwise. */
function parseResult(result: string): unknown {
  try {
    return JSON.parse(result) as unknown;
  } catch {
    return result;
  }
}
