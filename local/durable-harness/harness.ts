import { InvocationContext } from '@azure/functions';
import { type OrchestrationHandler } from 'durable-functions';
import {
  type Decision,
  type EpisodeOutcome,
  type HandlerRun,
  type HistoryEvent,
  type IncomingEvent,
  type TimerLimits,
  activityFailure,
  defaultTimerLimits,
  episodeOutcome,
  handlerRunFromError,
  history,
  orchestratorInput,
  parseOrchestratorState,
} from '../host';
import { type RegisteredOrchestratorHandler, registeredOrchestratorHandler } from './handler';
import { type CallInfo, type Declared, type Script, type TaskRef, answer, nameOf } from './scripts';

/** A moment as ISO text, a Date or epoch milliseconds. */
export type Instant = string | Date | number;

export interface HarnessOptions {
  readonly input?: unknown;
  /** Orchestration time of the start; default 2026-01-01T00:00:00Z. */
  readonly startAt?: Instant;
  readonly instanceId?: string;
  /** The orchestration's registered name (appears in failure messages); default the function's name. */
  readonly name?: string;
  readonly timerLimits?: Partial<TimerLimits>;
  /** A run that takes more episodes than this throws (an orchestrator that never ends); default 10 000. */
  readonly maxEpisodes?: number;
}

export interface TaskOptions {
  /** How long each call takes in orchestration time; default 0 (it completes in the next episode). */
  readonly durationMs?: number;
}

export interface RunOptions {
  /** Stop before any event due after this moment; the run is then `Running`. */
  readonly until?: Instant;
}

export type RunStatus = 'Completed' | 'Failed' | 'Running';

export interface TaskCall<I = unknown> {
  readonly name: string;
  readonly input: I;
  /** Orchestration time when it was scheduled. */
  readonly at: Date;
  readonly taskId: number;
  /** What the script answered: a value, or the failure message the orchestrator sees. */
  readonly result?: unknown;
  readonly failure?: string;
}

export interface TimerRecord {
  readonly taskId: number;
  readonly createdAt: Date;
  readonly fireAt: Date;
  fired: boolean;
  canceled: boolean;
}

export interface OrchestrationRun<O = unknown> {
  readonly status: RunStatus;
  /** The orchestrator's return value when Completed. */
  readonly output: O | undefined;
  /** When Failed: the message the host records (`Orchestrator function 'x' failed: ...`). */
  readonly error: string | undefined;
  /** The custom status after the last episode, and every distinct value it took, in order. */
  readonly customStatus: unknown;
  readonly customStatuses: readonly unknown[];
  readonly startedAt: Date;
  /** Orchestration time when the run ended. */
  readonly now: Date;
  readonly episodes: number;
  /** Activity calls in schedule order; each retry attempt is a call. */
  readonly activities: readonly TaskCall[];
  readonly subOrchestrations: readonly TaskCall[];
  /** Every durable timer, including retry timers and the intervals of long timers. */
  readonly timers: readonly TimerRecord[];
  /** The history of the current execution, as the orchestrator last replayed it. */
  readonly history: readonly HistoryEvent[];
  /** The calls of one activity. */
  calls<I>(activity: TaskRef<I, unknown>): TaskCall<I>[];
}

export class HarnessError extends Error {
  override readonly name = 'HarnessError';
}

interface ScriptEntry {
  readonly script: Script<unknown, unknown>;
  readonly durationMs: number;
}

interface Scheduled {
  readonly at: number;
  readonly seq: number;
  readonly event: IncomingEvent;
  /** External events outlive a continueAsNew; task results belong to the execution that asked. */
  readonly execution: number | undefined;
  readonly timerId?: number;
}

function toMs(at: Instant): number {
  const ms = typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`not a time: ${String(at)}`);
  return ms;
}

/** What crosses the worker boundary travels as JSON, so the orchestrator sees what it would see in the host. */
function viaJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/**
 * Runs an orchestrator with the real durable-functions handler against scripted activities and a virtual clock.
 * Build it with `onActivity`, `onSubOrchestration` and `raiseEvent`, then `run()`; each run starts afresh.
 */
export class OrchestrationHarness {
  private readonly activityScripts = new Map<string, ScriptEntry>();
  private readonly subOrchestrationScripts = new Map<string, ScriptEntry>();
  private readonly events: { name: string; data: unknown; at: number }[] = [];
  private readonly startAt: number;

  constructor(
    private readonly fn: OrchestrationHandler,
    private readonly options: HarnessOptions = {},
  ) {
    this.startAt = toMs(options.startAt ?? '2026-01-01T00:00:00Z');
  }

  /**
   * How an activity answers each call (a later script for the same name replaces an earlier one). With a
   * declaration (`{ name, types?: (input: I) => O }`) the script is typed by it; `durationMs` is how long each
   * call takes in orchestration time.
   */
  onActivity<I, O>(activity: Declared<I, O>, script: NoInfer<Script<I, O>>, options?: TaskOptions): this;
  onActivity<I, O>(activity: string, script: Script<I, O>, options?: TaskOptions): this;
  onActivity(
    activity: TaskRef<never, unknown>,
    script: Script<never, unknown>,
    options: TaskOptions = {},
  ): this {
    this.activityScripts.set(nameOf(activity), this.entry(script, options));
    return this;
  }

  /** How a sub-orchestration answers each call, as for activities. */
  onSubOrchestration<I, O>(
    orchestration: Declared<I, O>,
    script: NoInfer<Script<I, O>>,
    options?: TaskOptions,
  ): this;
  onSubOrchestration<I, O>(orchestration: string, script: Script<I, O>, options?: TaskOptions): this;
  onSubOrchestration(
    orchestration: TaskRef<never, unknown>,
    script: Script<never, unknown>,
    options: TaskOptions = {},
  ): this {
    this.subOrchestrationScripts.set(nameOf(orchestration), this.entry(script, options));
    return this;
  }

  /** Raises an external event at a moment (default: the start), or `afterMs` after the start. */
  raiseEvent(name: string, data?: unknown, when: { at?: Instant; afterMs?: number } = {}): this {
    const at = when.at !== undefined ? toMs(when.at) : this.startAt + (when.afterMs ?? 0);
    this.events.push({ name, data, at });
    return this;
  }

  private entry(script: Script<never, unknown>, options: TaskOptions): ScriptEntry {
    return { script: script, durationMs: options.durationMs ?? 0 };
  }

  run<O = unknown>(options: RunOptions = {}): Promise<OrchestrationRun<O>> {
    return new Run(
      this.fn,
      this.options,
      this.startAt,
      this.activityScripts,
      this.subOrchestrationScripts,
    ).execute<O>(this.events, options.until === undefined ? Infinity : toMs(options.until));
  }
}

export function orchestrationHarness(
  fn: OrchestrationHandler,
  options?: HarnessOptions,
): OrchestrationHarness {
  return new OrchestrationHarness(fn, options);
}

/** One run: the instance's state, the queue of things due at a moment, and the loop of episodes. */
class Run {
  private readonly handler: RegisteredOrchestratorHandler;
  private readonly name: string;
  private readonly instanceId: string;
  private readonly limits: TimerLimits;
  private now: number;
  private input: unknown;
  private execution = 0;
  private seq = 0;
  private episodes = 0;
  private events: HistoryEvent[] = [];
  private queue: Scheduled[] = [];
  private readonly activities: TaskCall[] = [];
  private readonly subOrchestrations: TaskCall[] = [];
  private readonly timers: TimerRecord[] = [];
  private readonly customStatuses: unknown[] = [];
  private customStatus: unknown = null;
  private readonly callCounts = new Map<string, number>();
  private readonly scriptCounts = new Map<ScriptEntry, number>();

  constructor(
    fn: OrchestrationHandler,
    private readonly options: HarnessOptions,
    startAt: number,
    private readonly activityScripts: ReadonlyMap<string, ScriptEntry>,
    private readonly subOrchestrationScripts: ReadonlyMap<string, ScriptEntry>,
  ) {
    this.handler = registeredOrchestratorHandler(fn);
    this.name = options.name ?? (fn.name || 'orchestrator');
    this.instanceId = options.instanceId ?? 'harness-instance';
    this.limits = { ...defaultTimerLimits, ...options.timerLimits };
    this.now = startAt;
    this.input = viaJson(options.input ?? null);
  }

  async execute<O>(
    raised: readonly { name: string; data: unknown; at: number }[],
    until: number,
  ): Promise<OrchestrationRun<O>> {
    const startedAt = this.now;
    this.enqueue(this.now, history.executionStarted(this.now, this.name, this.input), this.execution);
    for (const e of raised) {
      // An event raised before the start waits in the instance's queue until it starts.
      const at = Math.max(e.at, startedAt);
      const json = e.data === undefined ? null : JSON.stringify(e.data);
      this.enqueue(at, history.eventRaised(at, e.name, json), undefined);
    }
    const maxEpisodes = this.options.maxEpisodes ?? 10_000;
    let end: { status: RunStatus; output?: unknown; error?: string } = { status: 'Running' };
    for (;;) {
      const next = this.queue[0];
      if (!next || next.at > until) break;
      if (++this.episodes > maxEpisodes)
        throw new HarnessError(
          `${this.name} did not end within ${maxEpisodes} episodes (orchestration time ${new Date(this.now).toISOString()}).`,
        );
      this.now = Math.max(this.now, next.at);
      const due = this.queue.filter((s) => s.at <= this.now);
      this.queue = this.queue.filter((s) => s.at > this.now);
      const outcome = await this.episode(due.map((s) => s.event));
      due.forEach((s) => s.timerId !== undefined && this.timerById(s.timerId, (t) => (t.fired = true)));
      if (outcome.kind === 'failed') {
        end = { status: 'Failed', error: outcome.message };
        break;
      }
      this.noteCustomStatus(outcome.customStatus);
      for (const id of outcome.canceledTimers) {
        this.queue = this.queue.filter((s) => s.timerId !== id);
        this.timerById(id, (t) => (t.canceled = true));
      }
      if (outcome.kind === 'completed') {
        end = { status: 'Completed', output: outcome.output };
        break;
      }
      if (outcome.kind === 'continuedAsNew') {
        this.continueAsNew(outcome.input);
        continue;
      }
      for (const decision of outcome.newDecisions) await this.dispatch(decision);
      this.events.push(history.orchestratorCompleted(this.now));
    }
    if (end.status === 'Running' && until !== Infinity) this.now = Math.max(this.now, until);
    const activities = this.activities;
    const result: OrchestrationRun<O> = {
      status: end.status,
      output: end.output as O | undefined,
      error: end.error,
      customStatus: this.customStatus,
      customStatuses: this.customStatuses,
      startedAt: new Date(startedAt),
      now: new Date(this.now),
      episodes: this.episodes,
      activities,
      subOrchestrations: this.subOrchestrations,
      timers: this.timers,
      history: this.events,
      calls: <I>(activity: TaskRef<I, unknown>) =>
        activities.filter((c) => c.name === nameOf(activity)) as TaskCall<I>[],
    };
    return result;
  }

  /** Every episode replays the whole history through the library's handler, as the Durable extension does. */
  private async episode(incoming: readonly IncomingEvent[]): Promise<EpisodeOutcome> {
    this.events.push(history.orchestratorStarted(this.now), ...incoming);
    const payload = orchestratorInput(
      { history: this.events, input: this.input, instanceId: this.instanceId, parent: undefined },
      this.limits,
    );
    const context = new InvocationContext({
      functionName: this.name,
      invocationId: `${this.instanceId}:${this.episodes}`,
      logHandler: () => undefined,
    });
    let run: HandlerRun;
    try {
      const state = await this.handler(viaJson(payload), context);
      run = { state: parseOrchestratorState(viaJson(state)) };
    } catch (error) {
      run = handlerRunFromError(error);
    }
    return episodeOutcome(this.name, run, this.events, this.limits);
  }

  private async dispatch(decision: Decision): Promise<void> {
    const at = this.now;
    switch (decision.kind) {
      case 'timer':
        this.events.push(history.timerCreated(at, decision.id, decision.fireAt));
        this.timers.push({
          taskId: decision.id,
          createdAt: new Date(at),
          fireAt: new Date(decision.fireAt),
          fired: false,
          canceled: false,
        });
        this.enqueue(
          decision.fireAt,
          history.timerFired(decision.fireAt, decision.id, decision.fireAt),
          this.execution,
          decision.id,
        );
        return;
      case 'activity': {
        this.events.push(history.taskScheduled(at, decision.id, decision.name, decision.input));
        const entry = this.activityScripts.get(decision.name);
        if (!entry)
          throw new HarnessError(
            `${this.name} called activity '${decision.name}' with ${JSON.stringify(decision.input)}, which has no script: add .onActivity('${decision.name}', ...).`,
          );
        const { answered, call } = await this.answer(entry, decision.name, decision.input);
        const done = at + entry.durationMs;
        const event = answered.ok
          ? history.completed(done, 'activity', decision.id, viaJson(answered.value))
          : history.failed(done, 'activity', decision.id, activityFailure(decision.name, answered.error));
        this.activities.push({ ...call, taskId: decision.id, ...this.resultOf(event) });
        this.enqueue(done, event, this.execution);
        return;
      }
      case 'subOrchestration': {
        const childId = decision.instanceId ?? `${this.instanceId}:${decision.id}`;
        this.events.push(
          history.subOrchestrationCreated(at, decision.id, decision.name, childId, decision.input),
        );
        const entry = this.subOrchestrationScripts.get(decision.name);
        if (!entry)
          throw new HarnessError(
            `${this.name} called sub-orchestration '${decision.name}', which has no script: add .onSubOrchestration('${decision.name}', ...).`,
          );
        const { answered, call } = await this.answer(entry, decision.name, decision.input);
        const done = at + entry.durationMs;
        const event = answered.ok
          ? history.completed(done, 'subOrchestration', decision.id, viaJson(answered.value))
          : history.failed(done, 'subOrchestration', decision.id, {
              // The host's wording for a failed child instance.
              reason: `Sub-orchestration '${decision.name}' (${childId}) failed: ${answered.error instanceof Error ? answered.error.message : String(answered.error)}`,
              details: '',
            });
        this.subOrchestrations.push({ ...call, taskId: decision.id, ...this.resultOf(event) });
        this.enqueue(done, event, this.execution);
        return;
      }
    }
  }

  private async answer(entry: ScriptEntry, name: string, rawInput: unknown) {
    const input = viaJson(rawInput);
    const count = (this.callCounts.get(name) ?? 0) + 1;
    this.callCounts.set(name, count);
    const at = this.now;
    const info: CallInfo = {
      now: new Date(at),
      call: count,
      raiseEvent: (eventName, data, options = {}) => {
        const when = at + (options.afterMs ?? 0);
        const json = data === undefined ? null : JSON.stringify(data);
        this.enqueue(when, history.eventRaised(when, eventName, json), undefined);
      },
    };
    const answered = await answer(entry.script, input, info, this.scriptCounts.get(entry) ?? 0);
    this.scriptCounts.set(entry, (this.scriptCounts.get(entry) ?? 0) + 1);
    return { answered, call: { name, input, at: info.now } };
  }

  private resultOf(event: IncomingEvent): { result?: unknown; failure?: string } {
    if ('Reason' in event) return { failure: event.Reason };
    if ('Result' in event) return { result: JSON.parse(event.Result) as unknown };
    return {};
  }

  private continueAsNew(input: unknown): void {
    this.execution += 1;
    this.input = input ?? null;
    this.events = [];
    this.queue = this.queue.filter((s) => s.execution === undefined);
    this.enqueue(this.now, history.executionStarted(this.now, this.name, this.input), this.execution);
  }

  private noteCustomStatus(status: unknown): void {
    this.customStatus = status;
    const last = this.customStatuses[this.customStatuses.length - 1];
    if (status !== null && JSON.stringify(last) !== JSON.stringify(status)) this.customStatuses.push(status);
  }

  private timerById(id: number, update: (timer: TimerRecord) => void): void {
    // Ids restart with each execution; the latest timer with the id is the live one.
    const timer = [...this.timers].reverse().find((t) => t.taskId === id);
    if (timer) update(timer);
  }

  private enqueue(at: number, event: IncomingEvent, execution: number | undefined, timerId?: number): void {
    this.queue.push({ at, seq: this.seq++, event, execution, ...(timerId !== undefined ? { timerId } : {}) });
    this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }
}
