import { type HistoryEvent, EventType, type ScheduledEvent } from './history';
import { type Action, ActionType, type RetryOptions, decodeActionInput } from './orchestrator-state';

/**
 * Replays an orchestrator's cumulative action list against its history the way the Durable extension's
 * out-of-process shim does (each top-level action awaited in turn, `WhenAll`/`WhenAny` over nested actions,
 * retries and long timers expanded by the host), handing out event ids from one counter in exactly the
 * order durable-functions does. Every id already in the history must match the action the code schedules
 * now; a mismatch is non-determinism, reported like the Durable Task Framework does.
 */

export type Decision =
  | { readonly kind: 'activity'; readonly id: number; readonly name: string; readonly input: unknown }
  | { readonly kind: 'timer'; readonly id: number; readonly fireAt: number }
  | {
      readonly kind: 'subOrchestration';
      readonly id: number;
      readonly name: string;
      readonly instanceId: string | undefined;
      readonly input: unknown;
    };

export interface ReplayResult {
  /** Work the orchestrator asked for in this episode, in id order: append to the history and dispatch. */
  readonly newDecisions: readonly Decision[];
  /** Pending timers the orchestrator canceled (their firing no longer matters). */
  readonly canceledTimers: readonly number[];
  /** Set when the orchestrator called `continueAsNew`. */
  readonly continueAsNew: { readonly input: unknown } | undefined;
}

export interface TimerLimits {
  /** Timers further out than this are split into intervals, as durable-functions does for schema ≥ V3. */
  readonly maximumShortTimerMs: number;
  readonly longRunningTimerIntervalMs: number;
}

/** The extension's defaults: timers beyond six days run as three-day intervals. */
export const defaultTimerLimits: TimerLimits = {
  maximumShortTimerMs: 6 * 86_400_000,
  longRunningTimerIntervalMs: 3 * 86_400_000,
};

export class NonDeterminismError extends Error {
  override readonly name = 'NonDeterminismError';
}

export class UnsupportedActionError extends Error {
  override readonly name = 'UnsupportedActionError';
}

interface Parent {
  childSettled(child: Task): void;
}

abstract class Task {
  parent: Parent | undefined;
  done = false;
  ok = false;

  abstract start(): void;

  settle(ok: boolean): void {
    if (this.done) return;
    this.done = true;
    this.ok = ok;
    this.parent?.childSettled(this);
  }
}

type LeafKind =
  | { readonly kind: 'activity'; readonly name: string; readonly input: unknown }
  | {
      readonly kind: 'subOrchestration';
      readonly name: string;
      readonly instanceId: string | undefined;
      readonly input: unknown;
    }
  | { readonly kind: 'timer'; readonly fireAt: number; readonly canceled: boolean }
  | { readonly kind: 'event'; readonly name: string };

class Leaf extends Task {
  id: number | undefined;

  constructor(
    private readonly replayer: Replayer,
    readonly spec: LeafKind,
  ) {
    super();
  }

  start(): void {
    this.replayer.schedule(this);
  }
}

class WhenAll extends Task implements Parent {
  constructor(private readonly children: readonly Task[]) {
    super();
    children.forEach((c) => (c.parent = this));
  }

  start(): void {
    // Every child is scheduled even if an earlier one already failed, as the library schedules them all.
    this.children.forEach((c) => c.start());
  }

  childSettled(child: Task): void {
    if (!child.ok) this.settle(false);
    else if (this.children.every((c) => c.done && c.ok)) this.settle(true);
  }
}

class WhenAny extends Task implements Parent {
  constructor(private readonly children: readonly Task[]) {
    super();
    children.forEach((c) => (c.parent = this));
  }

  start(): void {
    this.children.forEach((c) => c.start());
  }

  childSettled(): void {
    // The library resolves Task.any with the first finished task, failed or not.
    this.settle(true);
  }
}

/** Mirrors durable-functions' RetryableTask: after every failure a retry timer, then the next attempt. */
class RetryTask extends Task implements Parent {
  private attempt = 1;
  private waitingOnTimer = false;

  constructor(
    private readonly replayer: Replayer,
    private readonly options: RetryOptions,
    private readonly makeAttempt: () => Leaf,
  ) {
    super();
  }

  start(): void {
    this.startChild(this.makeAttempt());
  }

  childSettled(child: Task): void {
    if (this.waitingOnTimer) {
      this.waitingOnTimer = false;
      if (this.attempt > this.options.maxNumberOfAttempts) this.settle(false);
      else this.startChild(this.makeAttempt());
    } else if (child.ok) {
      this.settle(true);
    } else {
      const {
        firstRetryIntervalInMilliseconds: first,
        backoffCoefficient = 1,
        maxRetryIntervalInMilliseconds: max,
      } = this.options;
      const delay = first * backoffCoefficient ** (this.attempt - 1);
      const capped = max !== undefined && max > 0 ? Math.min(delay, max) : delay;
      this.waitingOnTimer = true;
      this.attempt += 1;
      this.startChild(
        new Leaf(this.replayer, { kind: 'timer', fireAt: this.replayer.now + capped, canceled: false }),
      );
    }
  }

  private startChild(child: Task): void {
    child.parent = this;
    child.start();
  }
}

/** Mirrors durable-functions' LongTimerTask: interval timers until the final fire time is reached. */
class LongTimer extends Task implements Parent {
  constructor(
    private readonly replayer: Replayer,
    private readonly finalAt: number,
    private readonly canceled: boolean,
  ) {
    super();
  }

  start(): void {
    this.startNext();
  }

  childSettled(): void {
    if (this.finalAt > this.replayer.now) this.startNext();
    else this.settle(true);
  }

  private startNext(): void {
    const now = this.replayer.now;
    const { maximumShortTimerMs, longRunningTimerIntervalMs } = this.replayer.limits;
    const next = this.finalAt - now > maximumShortTimerMs ? now + longRunningTimerIntervalMs : this.finalAt;
    const child = new Leaf(this.replayer, { kind: 'timer', fireAt: next, canceled: this.canceled });
    child.parent = this;
    child.start();
  }
}

/** Fire-and-forget actions (continueAsNew) complete at once, as in the extension's shim. */
class Done extends Task {
  start(): void {
    this.settle(true);
  }
}

function describeAction(spec: LeafKind): string {
  switch (spec.kind) {
    case 'activity':
      return `CallActivity '${spec.name}'`;
    case 'subOrchestration':
      return `CallSubOrchestrator '${spec.name}'`;
    case 'timer':
      return 'CreateTimer';
    case 'event':
      return `WaitForExternalEvent '${spec.name}'`;
  }
}

function describePast(event: ScheduledEvent): string {
  switch (event.EventType) {
    case EventType.TaskScheduled:
      return `TaskScheduled '${event.Name}' (CallActivity)`;
    case EventType.SubOrchestrationInstanceCreated:
      return `SubOrchestrationInstanceCreated '${event.Name}' (CallSubOrchestrator)`;
    case EventType.TimerCreated:
      return 'TimerCreated (CreateTimer)';
  }
}

function matches(past: ScheduledEvent, spec: LeafKind): boolean {
  switch (spec.kind) {
    case 'activity':
      return past.EventType === EventType.TaskScheduled && past.Name === spec.name;
    case 'subOrchestration':
      return past.EventType === EventType.SubOrchestrationInstanceCreated && past.Name === spec.name;
    case 'timer':
      return past.EventType === EventType.TimerCreated;
    case 'event':
      return false;
  }
}

function isScheduledEvent(event: HistoryEvent): event is ScheduledEvent {
  return (
    event.EventType === EventType.TaskScheduled ||
    event.EventType === EventType.TimerCreated ||
    event.EventType === EventType.SubOrchestrationInstanceCreated
  );
}

class Replayer implements Parent {
  now = 0;
  private nextId = 0;
  private readonly scheduledInHistory = new Map<number, ScheduledEvent>();
  private readonly claimed = new Set<number>();
  private readonly open = new Map<number, Leaf>();
  // Waiters per event name form a stack, early events a queue: the extension and the library both do so.
  private readonly eventWaiters = new Map<string, Leaf[]>();
  private readonly bufferedEvents = new Map<string, number>();
  private readonly decisions: Decision[] = [];
  private readonly timers: Leaf[] = [];
  private actionIndex = 0;
  private root: Task | undefined;
  private started = false;
  private advancing = false;
  private continueAsNew: { input: unknown } | undefined;

  constructor(
    private readonly actions: readonly Action[],
    private readonly events: readonly HistoryEvent[],
    readonly limits: TimerLimits,
  ) {
    for (const event of events)
      if (isScheduledEvent(event)) this.scheduledInHistory.set(event.EventId, event);
  }

  run(): ReplayResult {
    for (const event of this.events) this.process(event);
    const pending = this.actions[this.actionIndex];
    if (this.started && pending && this.root && !this.root.done) {
      throw new NonDeterminismError(
        `the orchestrator scheduled action type ${pending.actionType} while the history shows its previous task still running.`,
      );
    }
    return {
      newDecisions: this.decisions,
      canceledTimers: this.timers
        .filter((t) => t.spec.kind === 'timer' && t.spec.canceled && !t.done && t.id !== undefined)
        .map((t) => t.id as number),
      continueAsNew: this.continueAsNew,
    };
  }

  childSettled(): void {
    this.advance();
  }

  schedule(leaf: Leaf): void {
    if (leaf.spec.kind === 'event') {
      this.waitForEvent(leaf, leaf.spec.name);
      return;
    }
    const id = this.nextId++;
    leaf.id = id;
    this.claimed.add(id);
    this.open.set(id, leaf);
    if (leaf.spec.kind === 'timer') this.timers.push(leaf);
    const past = this.scheduledInHistory.get(id);
    if (past) {
      if (!matches(past, leaf.spec)) {
        throw new NonDeterminismError(
          `event id ${id} is ${describePast(past)} in the history, but the orchestrator now schedules ${describeAction(leaf.spec)} there.`,
        );
      }
      return;
    }
    const spec = leaf.spec;
    this.decisions.push(
      spec.kind === 'timer'
        ? { kind: 'timer', id, fireAt: spec.fireAt }
        : spec.kind === 'activity'
          ? { kind: 'activity', id, name: spec.name, input: spec.input }
          : { kind: 'subOrchestration', id, name: spec.name, instanceId: spec.instanceId, input: spec.input },
    );
  }

  private waitForEvent(leaf: Leaf, name: string): void {
    const buffered = this.bufferedEvents.get(name) ?? 0;
    if (buffered > 0) {
      this.bufferedEvents.set(name, buffered - 1);
      leaf.settle(true);
      return;
    }
    const waiters = this.eventWaiters.get(name) ?? [];
    waiters.push(leaf);
    this.eventWaiters.set(name, waiters);
  }

  private process(event: HistoryEvent): void {
    switch (event.EventType) {
      case EventType.OrchestratorStarted:
        this.now = Math.max(this.now, Date.parse(event.Timestamp));
        return;
      case EventType.ExecutionStarted:
        this.started = true;
        this.advance();
        return;
      case EventType.TaskScheduled:
      case EventType.TimerCreated:
      case EventType.SubOrchestrationInstanceCreated:
        if (!this.claimed.has(event.EventId)) {
          throw new NonDeterminismError(
            `event id ${event.EventId} is ${describePast(event)} in the history, but the orchestrator no longer schedules it.`,
          );
        }
        return;
      case EventType.TaskCompleted:
      case EventType.SubOrchestrationInstanceCompleted:
        this.complete(event.TaskScheduledId, true);
        return;
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceFailed:
        this.complete(event.TaskScheduledId, false);
        return;
      case EventType.TimerFired:
        this.complete(event.TimerId, true);
        return;
      case EventType.EventRaised: {
        const waiter = this.eventWaiters.get(event.Name)?.pop();
        if (waiter) waiter.settle(true);
        else this.bufferedEvents.set(event.Name, (this.bufferedEvents.get(event.Name) ?? 0) + 1);
        return;
      }
      case EventType.OrchestratorCompleted:
        return;
    }
  }

  private complete(id: number, ok: boolean): void {
    const leaf = this.open.get(id);
    if (!leaf) return;
    this.open.delete(id);
    leaf.settle(ok);
  }

  private advance(): void {
    if (this.advancing || !this.started) return;
    this.advancing = true;
    try {
      while ((!this.root || this.root.done) && this.actionIndex < this.actions.length) {
        const action = this.actions[this.actionIndex++] as Action;
        this.root = this.build(action);
        this.root.parent = this;
        this.root.start();
      }
    } finally {
      this.advancing = false;
    }
  }

  private build(action: Action): Task {
    const name = action.functionName ?? '';
    switch (action.actionType) {
      case ActionType.CallActivity:
        return new Leaf(this, { kind: 'activity', name, input: decodeActionInput(action.input) });
      case ActionType.CallActivityWithRetry:
        return this.withRetry(
          action,
          () => new Leaf(this, { kind: 'activity', name, input: decodeActionInput(action.input) }),
        );
      case ActionType.CallSubOrchestrator:
        return new Leaf(this, {
          kind: 'subOrchestration',
          name,
          instanceId: action.instanceId ?? undefined,
          input: action.input,
        });
      case ActionType.CallSubOrchestratorWithRetry:
        return this.withRetry(
          action,
          () =>
            new Leaf(this, {
              kind: 'subOrchestration',
              name,
              instanceId: action.instanceId ?? undefined,
              input: action.input,
            }),
        );
      case ActionType.CreateTimer: {
        const fireAt = Date.parse(action.fireAt ?? '');
        if (Number.isNaN(fireAt))
          throw new UnsupportedActionError(`CreateTimer without a valid fireAt (${String(action.fireAt)}).`);
        const canceled = action.isCanceled === true;
        return fireAt - this.now > this.limits.maximumShortTimerMs
          ? new LongTimer(this, fireAt, canceled)
          : new Leaf(this, { kind: 'timer', fireAt, canceled });
      }
      case ActionType.WaitForExternalEvent:
        return new Leaf(this, { kind: 'event', name: action.externalEventName ?? '' });
      case ActionType.WhenAll:
        return new WhenAll((action.compoundActions ?? []).map((a) => this.build(a)));
      case ActionType.WhenAny:
        return new WhenAny((action.compoundActions ?? []).map((a) => this.build(a)));
      case ActionType.ContinueAsNew:
        this.continueAsNew = { input: decodeActionInput(action.input) };
        return new Done();
      case ActionType.CallHttp:
        throw new UnsupportedActionError('callHttp is not supported by the local host.');
      default:
        throw new UnsupportedActionError(
          `Durable entities (action type ${action.actionType}) are not supported by the local host.`,
        );
    }
  }

  private withRetry(action: Action, makeAttempt: () => Leaf): Task {
    if (!action.retryOptions)
      throw new UnsupportedActionError(`Action type ${action.actionType} arrived without retryOptions.`);
    return new RetryTask(this, action.retryOptions, makeAttempt);
  }
}

export function replay(
  actions: readonly Action[],
  events: readonly HistoryEvent[],
  limits: TimerLimits,
): ReplayResult {
  return new Replayer(actions, events, limits).run();
}
