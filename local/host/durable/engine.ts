import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { Clock } from '@mds/platform-kit';
import type { RegisteredFunction } from '../app-loader';
import { FunctionInvocationError, type Invoker } from '../invoker';
import type { LogSink } from '../logger';
import { fromTypedData } from '../typed-data';
import type { WorkTracker } from '../work-tracker';
import { type HistoryEvent, type IncomingEvent, EventType, history } from './history';
import {
  type InstanceRecord,
  type InstanceStore,
  type ParentLink,
  type RuntimeStatus,
  terminalStatuses,
} from './instance-store';
import { orchestratorInput } from './orchestrator-input';
import { type HandlerRun, episodeOutcome, handlerRunFromError } from './episode';
import { parseOrchestratorState } from './orchestrator-state';
import { type Decision, type TimerLimits } from './replay';
import { activityFailure } from './task-failure';

export interface InstanceStatus {
  readonly name: string;
  readonly instanceId: string;
  readonly runtimeStatus: RuntimeStatus;
  readonly input: unknown;
  readonly output: unknown;
  readonly customStatus: unknown;
  readonly createdTime: string;
  readonly lastUpdatedTime: string;
  /** Only with `showHistory=true`: the current execution's history events. */
  readonly historyEvents?: readonly Record<string, unknown>[] | null;
}

export interface InstanceFilter {
  readonly createdTimeFrom?: number;
  readonly createdTimeTo?: number;
  readonly runtimeStatus?: readonly RuntimeStatus[];
  readonly instanceIdPrefix?: string;
}

/** Where a page of an instance query ended: the query continues after this instance (creation order). */
export interface InstanceCursor {
  readonly createdTime: number;
  readonly instanceId: string;
}

export interface InstancePage {
  readonly instances: InstanceStatus[];
  /** Set when more instances match after this page. */
  readonly next?: InstanceCursor;
}

export type StartResult =
  | { readonly outcome: 'started'; readonly instanceId: string }
  | { readonly outcome: 'conflict'; readonly instanceId: string; readonly runtimeStatus: RuntimeStatus }
  | { readonly outcome: 'unknownOrchestrator' };

export type InstanceCommandResult = 'accepted' | 'notFound' | 'gone';
export type PurgeResult = 'purged' | 'notFound' | 'notTerminal';

export interface EngineDependencies {
  readonly functions: ReadonlyMap<string, RegisteredFunction>;
  readonly invoker: Invoker;
  readonly clock: Clock;
  readonly work: WorkTracker;
  readonly log: LogSink;
  readonly store: InstanceStore;
  readonly maxConcurrentActivities: number;
  readonly timerLimits: TimerLimits;
}

/** Failure messages may carry `Reason \n Details`; a log line stays one line. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Status times in the extension's format: seconds precision with a `Z`. */
function statusTime(at: number): string {
  return new Date(Math.floor(at / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Runs Durable Functions orchestrations against the real durable-functions orchestrator handler: keeps each
 * instance's history, runs one episode at a time per instance (new events in, replay, actions out), checks
 * the actions against the history, and dispatches activities (bounded concurrency), timers (on the host
 * clock) and sub-orchestrations.
 */
export class OrchestrationEngine {
  private readonly draining = new Set<string>();
  private readonly timers = new Map<string, Map<number, () => void>>();
  private readonly activityLimit: pLimit.Limit;
  private stopped = false;

  constructor(private readonly deps: EngineDependencies) {
    this.activityLimit = pLimit(deps.maxConcurrentActivities);
  }

  start(name: string, requestedId: string | undefined, input: unknown, parent?: ParentLink): StartResult {
    const fn = this.deps.functions.get(name);
    if (!fn || fn.trigger.type.toLowerCase() !== 'orchestrationtrigger')
      return { outcome: 'unknownOrchestrator' };
    const instanceId = requestedId ?? randomUUID().replace(/-/g, '');
    const existing = this.deps.store.get(instanceId);
    if (existing && !terminalStatuses.has(existing.runtimeStatus)) {
      return { outcome: 'conflict', instanceId, runtimeStatus: existing.runtimeStatus };
    }
    // Starting an id whose instance finished replaces that instance, as the extension does by default.
    this.cancelTimers(instanceId);
    const now = this.deps.clock.now();
    const executionId = randomUUID();
    this.deps.store.put({
      instanceId,
      name,
      createdTime: now,
      parent,
      executionId,
      input: input ?? null,
      output: null,
      customStatus: null,
      runtimeStatus: 'Pending',
      lastUpdatedTime: now,
      history: [],
      inbox: [{ kind: 'event', executionId, event: history.executionStarted(now, name, input) }],
    });
    this.deps.work.changed();
    this.kick(instanceId);
    return { outcome: 'started', instanceId };
  }

  raiseEvent(instanceId: string, eventName: string, inputJson: string | null): InstanceCommandResult {
    const record = this.deps.store.get(instanceId);
    if (!record) return 'notFound';
    if (terminalStatuses.has(record.runtimeStatus)) return 'gone';
    this.enqueue(record, {
      kind: 'event',
      executionId: undefined,
      event: history.eventRaised(this.deps.clock.now(), eventName, inputJson),
    });
    return 'accepted';
  }

  terminate(instanceId: string, reason: string): InstanceCommandResult {
    const record = this.deps.store.get(instanceId);
    if (!record) return 'notFound';
    if (terminalStatuses.has(record.runtimeStatus)) return 'gone';
    this.enqueue(record, { kind: 'terminate', reason });
    return 'accepted';
  }

  purge(instanceId: string): PurgeResult {
    const record = this.deps.store.get(instanceId);
    if (!record) return 'notFound';
    if (!terminalStatuses.has(record.runtimeStatus)) return 'notTerminal';
    this.deps.store.delete(instanceId);
    this.deps.work.changed();
    return 'purged';
  }

  /** Purges the terminal instances matching the filter; returns how many went. */
  purgeWhere(filter: InstanceFilter): number {
    const doomed = this.find(filter).filter((r) => terminalStatuses.has(r.runtimeStatus));
    doomed.forEach((r) => this.deps.store.delete(r.instanceId));
    if (doomed.length > 0) this.deps.work.changed();
    return doomed.length;
  }

  status(instanceId: string): InstanceStatus | undefined {
    const record = this.deps.store.get(instanceId);
    return record && this.toStatus(record);
  }

  /** The current execution's history as the engine keeps and replays it. */
  events(instanceId: string): readonly HistoryEvent[] | undefined {
    return this.deps.store.get(instanceId)?.history;
  }

  /** The current execution's history with every internal field (event types by name), for host tests. */
  history(instanceId: string): Record<string, unknown>[] | undefined {
    const names = Object.fromEntries(Object.entries(EventType).map(([name, value]) => [value, name]));
    return this.deps.store
      .get(instanceId)
      ?.history.map((event) => ({ ...event, EventType: names[event.EventType] }));
  }

  /**
   * Instances matching the filter in creation order (instance id breaks ties), at most `top` of them, starting
   * after `after`. Continuing from a cursor rather than an offset keeps pages right when instances come or go.
   */
  query(filter: InstanceFilter, page: { top?: number; after?: InstanceCursor } = {}): InstancePage {
    const { after, top } = page;
    const matching = this.find(filter)
      .sort((a, b) => a.createdTime - b.createdTime || compareIds(a.instanceId, b.instanceId))
      .filter(
        (r) =>
          after === undefined ||
          r.createdTime > after.createdTime ||
          (r.createdTime === after.createdTime && compareIds(r.instanceId, after.instanceId) > 0),
      );
    const taken = top === undefined ? matching : matching.slice(0, top);
    const last = taken.at(-1);
    return {
      instances: taken.map((r) => this.toStatus(r)),
      ...(last && taken.length < matching.length
        ? { next: { createdTime: last.createdTime, instanceId: last.instanceId } }
        : {}),
    };
  }

  stop(): void {
    this.stopped = true;
    for (const instanceId of [...this.timers.keys()]) this.cancelTimers(instanceId);
  }

  private find(filter: InstanceFilter): InstanceRecord[] {
    return this.deps.store
      .list()
      .filter(
        (r) =>
          (filter.createdTimeFrom === undefined || r.createdTime >= filter.createdTimeFrom) &&
          (filter.createdTimeTo === undefined || r.createdTime <= filter.createdTimeTo) &&
          (!filter.runtimeStatus?.length || filter.runtimeStatus.includes(r.runtimeStatus)) &&
          (filter.instanceIdPrefix === undefined || r.instanceId.startsWith(filter.instanceIdPrefix)),
      );
  }

  private toStatus(record: InstanceRecord): InstanceStatus {
    return {
      name: record.name,
      instanceId: record.instanceId,
      runtimeStatus: record.runtimeStatus,
      input: record.input,
      output: record.output,
      customStatus: record.customStatus,
      createdTime: statusTime(record.createdTime),
      lastUpdatedTime: statusTime(record.lastUpdatedTime),
    };
  }

  private enqueue(record: InstanceRecord, message: InstanceRecord['inbox'][number]): void {
    record.inbox.push(message);
    this.deps.store.put(record);
    this.kick(record.instanceId);
  }

  /** Delivers a task result, unless the execution that asked for it is gone (finished, continued, purged). */
  private deliver(instanceId: string, executionId: string, event: IncomingEvent): void {
    const record = this.deps.store.get(instanceId);
    if (!record || record.executionId !== executionId || terminalStatuses.has(record.runtimeStatus)) return;
    this.enqueue(record, { kind: 'event', executionId, event });
  }

  private kick(instanceId: string): void {
    if (this.stopped || this.draining.has(instanceId)) return;
    this.draining.add(instanceId);
    this.deps.work.spawn(() => this.drain(instanceId));
  }

  /** One episode after another until the inbox is empty; at most one episode per instance at a time. */
  private async drain(instanceId: string): Promise<void> {
    try {
      for (;;) {
        const record = this.deps.store.get(instanceId);
        // Checked and released in the same synchronous step, so a message arriving later starts a new drain.
        if (!record || record.inbox.length === 0 || this.stopped) {
          this.draining.delete(instanceId);
          return;
        }
        await this.episode(record);
      }
    } catch (error) {
      this.draining.delete(instanceId);
      throw error;
    }
  }

  private async episode(record: InstanceRecord): Promise<void> {
    const messages = record.inbox.splice(0);
    const termination = messages.find((m) => m.kind === 'terminate');
    if (termination?.kind === 'terminate') {
      this.finish(record, 'Terminated', termination.reason);
      return;
    }
    const events = messages.flatMap((m) =>
      m.kind === 'event' && (m.executionId === undefined || m.executionId === record.executionId)
        ? [m.event]
        : [],
    );
    if (events.length === 0 || terminalStatuses.has(record.runtimeStatus)) return;

    const startedAt = this.deps.clock.now();
    record.history.push(history.orchestratorStarted(startedAt), ...events);
    record.runtimeStatus = 'Running';
    this.deps.store.put(record);

    const fn = this.deps.functions.get(record.name) as RegisteredFunction;
    const executionId = record.executionId;
    const run = await this.runOrchestrator(fn, record);
    // A purge or a restart may have replaced the instance while the orchestrator ran.
    if (this.deps.store.get(record.instanceId) !== record || record.executionId !== executionId) return;
    const outcome = episodeOutcome(record.name, run, record.history, this.deps.timerLimits);
    switch (outcome.kind) {
      case 'failed':
        this.finish(record, 'Failed', outcome.message, outcome.reason);
        return;
      case 'continuedAsNew':
        record.customStatus = outcome.customStatus;
        this.continueAsNew(record, outcome.input);
        return;
      case 'completed':
        record.customStatus = outcome.customStatus;
        this.finish(record, 'Completed', outcome.output);
        return;
      case 'running':
        record.customStatus = outcome.customStatus;
        for (const decision of outcome.newDecisions) this.dispatch(record, decision, startedAt);
        outcome.canceledTimers.forEach((id) => this.cancelTimer(record.instanceId, id));
        record.history.push(history.orchestratorCompleted(this.deps.clock.now()));
        record.lastUpdatedTime = this.deps.clock.now();
        this.deps.store.put(record);
        this.deps.work.changed();
    }
  }

  private async runOrchestrator(fn: RegisteredFunction, record: InstanceRecord): Promise<HandlerRun> {
    const payload = orchestratorInput(record, this.deps.timerLimits);
    try {
      const { response } = await this.deps.invoker.invoke(fn, {
        triggerData: { string: JSON.stringify(payload) },
        reason: `Orchestration ${record.instanceId}`,
      });
      return { state: parseOrchestratorState(fromTypedData(response.returnValue)) };
    } catch (error) {
      return handlerRunFromError(error instanceof FunctionInvocationError ? error.cause : error);
    }
  }

  private dispatch(record: InstanceRecord, decision: Decision, at: number): void {
    const { instanceId, executionId } = record;
    switch (decision.kind) {
      case 'activity':
        record.history.push(history.taskScheduled(at, decision.id, decision.name, decision.input));
        this.runActivity(instanceId, executionId, decision.id, decision.name, decision.input);
        return;
      case 'timer':
        record.history.push(history.timerCreated(at, decision.id, decision.fireAt));
        this.armTimer(instanceId, executionId, decision.id, decision.fireAt);
        return;
      case 'subOrchestration': {
        const childId = decision.instanceId ?? `${instanceId}:${decision.id}`;
        record.history.push(
          history.subOrchestrationCreated(at, decision.id, decision.name, childId, decision.input),
        );
        const started = this.start(decision.name, childId, decision.input, {
          instanceId,
          executionId,
          taskId: decision.id,
        });
        if (started.outcome !== 'started') {
          const reason =
            started.outcome === 'conflict'
              ? `An orchestration with instance ID '${childId}' already exists and is ${started.runtimeStatus}.`
              : `The function '${decision.name}' doesn't exist, is disabled, or is not an orchestrator function.`;
          this.deliver(
            instanceId,
            executionId,
            history.failed(at, 'subOrchestration', decision.id, { reason, details: '' }),
          );
        }
        return;
      }
    }
  }

  private runActivity(
    instanceId: string,
    executionId: string,
    taskId: number,
    name: string,
    input: unknown,
  ): void {
    const fn = this.deps.functions.get(name);
    if (!fn || fn.trigger.type.toLowerCase() !== 'activitytrigger') {
      const reason = `The function '${name}' doesn't exist, is disabled, or is not an activity function.`;
      this.deliver(
        instanceId,
        executionId,
        history.failed(this.deps.clock.now(), 'activity', taskId, { reason, details: '' }),
      );
      return;
    }
    this.deps.work.spawn(() =>
      this.activityLimit(async () => {
        let event: IncomingEvent;
        try {
          // JSON text, which the library parses back, so the activity sees exactly the value the orchestrator passed.
          const data = input === undefined ? undefined : { string: JSON.stringify(input) };
          const { response } = await this.deps.invoker.invoke(fn, {
            triggerData: data,
            reason: `Activity of orchestration ${instanceId}`,
          });
          event = history.completed(
            this.deps.clock.now(),
            'activity',
            taskId,
            fromTypedData(response.returnValue),
          );
        } catch (error) {
          event = history.failed(this.deps.clock.now(), 'activity', taskId, activityFailure(name, error));
        }
        this.deliver(instanceId, executionId, event);
      }),
    );
  }

  private armTimer(instanceId: string, executionId: string, timerId: number, fireAt: number): void {
    const perInstance = this.timers.get(instanceId) ?? new Map<number, () => void>();
    this.timers.set(instanceId, perInstance);
    perInstance.set(
      timerId,
      this.deps.clock.schedule(fireAt, () => {
        perInstance.delete(timerId);
        this.deliver(instanceId, executionId, history.timerFired(this.deps.clock.now(), timerId, fireAt));
      }),
    );
  }

  private cancelTimer(instanceId: string, timerId: number): void {
    const perInstance = this.timers.get(instanceId);
    perInstance?.get(timerId)?.();
    perInstance?.delete(timerId);
  }

  private cancelTimers(instanceId: string): void {
    for (const cancel of this.timers.get(instanceId)?.values() ?? []) cancel();
    this.timers.delete(instanceId);
  }

  private continueAsNew(record: InstanceRecord, input: unknown): void {
    this.cancelTimers(record.instanceId);
    const now = this.deps.clock.now();
    record.executionId = randomUUID();
    record.input = input ?? null;
    record.history = [];
    // External events that arrived meanwhile carry over; results for the old execution do not.
    const carried = record.inbox.filter((m) => m.kind === 'terminate' || m.executionId === undefined);
    record.inbox = [
      {
        kind: 'event',
        executionId: record.executionId,
        event: history.executionStarted(now, record.name, input),
      },
      ...carried,
    ];
    record.lastUpdatedTime = now;
    this.deps.store.put(record);
    this.deps.work.changed();
  }

  /** `reason` is what the log line says a failure was (the output repeats the orchestration name). */
  private finish(
    record: InstanceRecord,
    status: 'Completed' | 'Failed' | 'Terminated',
    output: unknown,
    reason: string = String(output),
  ): void {
    this.cancelTimers(record.instanceId);
    const now = this.deps.clock.now();
    record.runtimeStatus = status;
    record.output = output;
    record.history.push(history.executionCompleted(now, status, output));
    record.inbox = [];
    record.lastUpdatedTime = now;
    this.deps.store.put(record);
    // One line naming the instance, the orchestration and why; never the input (it may hold tenant data).
    const subject = `Orchestration '${record.name}' (${record.instanceId})`;
    this.deps.log({
      level: status === 'Completed' ? 'information' : status === 'Failed' ? 'error' : 'warning',
      category: 'host',
      functionName: record.name,
      message:
        status === 'Completed'
          ? `${subject} completed`
          : `${subject} ${status.toLowerCase()}: ${oneLine(reason)}`,
    });
    const parent = record.parent;
    if (parent) {
      const event =
        status === 'Completed'
          ? history.completed(now, 'subOrchestration', parent.taskId, output)
          : history.failed(now, 'subOrchestration', parent.taskId, {
              reason: `Sub-orchestration '${record.name}' (${record.instanceId}) ${status.toLowerCase()}: ${String(output)}`,
              details: '',
            });
      this.deliver(parent.instanceId, parent.executionId, event);
    }
    this.deps.work.changed();
  }
}
