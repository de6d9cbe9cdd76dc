/**
 * Durable Task history events in the JSON shape durable-functions 3.x replays (PascalCase fields, numeric
 * `EventType`, `Result`/`Input` as JSON strings, `TaskFailed` with `Reason` and `Details`).
 */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventRaised: 15,
} as const;

/** DurableTask.Core's OrchestrationStatus values, as ExecutionCompleted carries them. */
export const OrchestrationStatus = { Completed: 1, Failed: 3, Terminated: 5 } as const;

interface EventBase {
  readonly EventId: number;
  IsPlayed: boolean;
  readonly Timestamp: string;
}

/** Structured failure details durable-functions turns into a `TaskFailedError`. */
export interface FailureDetails {
  readonly ErrorType: string;
  readonly ErrorMessage: string;
  readonly StackTrace?: string;
  readonly IsNonRetriable: boolean;
  readonly Properties?: unknown;
}

export type OrchestratorStartedEvent = EventBase & {
  readonly EventType: typeof EventType.OrchestratorStarted;
};
export type OrchestratorCompletedEvent = EventBase & {
  readonly EventType: typeof EventType.OrchestratorCompleted;
};
export type ExecutionStartedEvent = EventBase & {
  readonly EventType: typeof EventType.ExecutionStarted;
  readonly Name: string;
  readonly Input: string;
};
/** The last event of a finished execution: its final status and output (JSON text). */
export type ExecutionCompletedEvent = EventBase & {
  readonly EventType: typeof EventType.ExecutionCompleted;
  readonly OrchestrationStatus: (typeof OrchestrationStatus)[keyof typeof OrchestrationStatus];
  readonly Result: string;
};
export type TaskScheduledEvent = EventBase & {
  readonly EventType: typeof EventType.TaskScheduled;
  readonly Name: string;
  readonly Input: string;
};
export type TimerCreatedEvent = EventBase & {
  readonly EventType: typeof EventType.TimerCreated;
  readonly FireAt: string;
};
export type SubOrchestrationCreatedEvent = EventBase & {
  readonly EventType: typeof EventType.SubOrchestrationInstanceCreated;
  readonly Name: string;
  readonly InstanceId: string;
  readonly Input: string;
};
export type TaskCompletedEvent = EventBase & {
  readonly EventType: typeof EventType.TaskCompleted | typeof EventType.SubOrchestrationInstanceCompleted;
  readonly TaskScheduledId: number;
  readonly Result: string;
};
export type TaskFailedEvent = EventBase & {
  readonly EventType: typeof EventType.TaskFailed | typeof EventType.SubOrchestrationInstanceFailed;
  readonly TaskScheduledId: number;
  readonly Reason: string;
  readonly Details: string;
  readonly FailureDetails?: FailureDetails;
};
export type TimerFiredEvent = EventBase & {
  readonly EventType: typeof EventType.TimerFired;
  readonly TimerId: number;
  readonly FireAt: string;
};
export type EventRaisedEvent = EventBase & {
  readonly EventType: typeof EventType.EventRaised;
  readonly Name: string;
  readonly Input: string | null;
};

export type ScheduledEvent = TaskScheduledEvent | TimerCreatedEvent | SubOrchestrationCreatedEvent;
/** Events that arrive from outside an episode: the orchestrator reacts to them. */
export type IncomingEvent =
  | ExecutionStartedEvent
  | TaskCompletedEvent
  | TaskFailedEvent
  | TimerFiredEvent
  | EventRaisedEvent;
export type HistoryEvent =
  | OrchestratorStartedEvent
  | OrchestratorCompletedEvent
  | ExecutionCompletedEvent
  | ScheduledEvent
  | IncomingEvent;

const noId = -1;

function base(at: number): EventBase {
  return { EventId: noId, IsPlayed: false, Timestamp: new Date(at).toISOString() };
}

export const history = {
  orchestratorStarted: (at: number): OrchestratorStartedEvent => ({
    ...base(at),
    EventType: EventType.OrchestratorStarted,
  }),
  orchestratorCompleted: (at: number): OrchestratorCompletedEvent => ({
    ...base(at),
    EventType: EventType.OrchestratorCompleted,
  }),
  executionStarted: (at: number, name: string, input: unknown): ExecutionStartedEvent => ({
    ...base(at),
    EventType: EventType.ExecutionStarted,
    Name: name,
    Input: JSON.stringify(input ?? null),
  }),
  executionCompleted: (
    at: number,
    status: keyof typeof OrchestrationStatus,
    output: unknown,
  ): ExecutionCompletedEvent => ({
    ...base(at),
    EventType: EventType.ExecutionCompleted,
    OrchestrationStatus: OrchestrationStatus[status],
    Result: JSON.stringify(output ?? null),
  }),
  taskScheduled: (at: number, id: number, name: string, input: unknown): TaskScheduledEvent => ({
    ...base(at),
    EventId: id,
    EventType: EventType.TaskScheduled,
    Name: name,
    Input: JSON.stringify(input ?? null),
  }),
  timerCreated: (at: number, id: number, fireAt: number): TimerCreatedEvent => ({
    ...base(at),
    EventId: id,
    EventType: EventType.TimerCreated,
    FireAt: new Date(fireAt).toISOString(),
  }),
  subOrchestrationCreated: (
    at: number,
    id: number,
    name: string,
    instanceId: string,
    input: unknown,
  ): SubOrchestrationCreatedEvent => ({
    ...base(at),
    EventId: id,
    EventType: EventType.SubOrchestrationInstanceCreated,
    Name: name,
    InstanceId: instanceId,
    Input: JSON.stringify(input ?? null),
  }),
  completed: (
    at: number,
    kind: 'activity' | 'subOrchestration',
    taskId: number,
    result: unknown,
  ): TaskCompletedEvent => ({
    ...base(at),
    EventType: kind === 'activity' ? EventType.TaskCompleted : EventType.SubOrchestrationInstanceCompleted,
    TaskScheduledId: taskId,
    Result: JSON.stringify(result ?? null),
  }),
  failed: (
    at: number,
    kind: 'activity' | 'subOrchestration',
    taskId: number,
    failure: { reason: string; details: string; failureDetails?: FailureDetails },
  ): TaskFailedEvent => ({
    ...base(at),
    EventType: kind === 'activity' ? EventType.TaskFailed : EventType.SubOrchestrationInstanceFailed,
    TaskScheduledId: taskId,
    Reason: failure.reason,
    Details: failure.details,
    ...(failure.failureDetails ? { FailureDetails: failure.failureDetails } : {}),
  }),
  timerFired: (at: number, timerId: number, fireAt: number): TimerFiredEvent => ({
    ...base(at),
    EventType: EventType.TimerFired,
    TimerId: timerId,
    FireAt: new Date(fireAt).toISOString(),
  }),
  eventRaised: (at: number, name: string, inputJson: string | null): EventRaisedEvent => ({
    ...base(at),
    EventType: EventType.EventRaised,
    Name: name,
    Input: inputJson,
  }),
};
