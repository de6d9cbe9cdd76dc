import { type OrchestrationContext, type Task } from 'durable-functions';

export interface PollSchedule {
  firstDelayMs: number;
  maxDelayMs: number;
  /** Each wait is the previous one times this factor, up to `maxDelayMs`. */
  factor: number;
  /** Give up once this moment (orchestration time) has passed. */
  deadline: Date;
}

export type PollResult<R> =
  | { done: true; value: R; checks: number }
  | { done: false; last: R; checks: number };

/**
 * Checks, and while not done sleeps on a durable timer with growing waits, until done or past the deadline. The
 * waits cost nothing while they last (the orchestration is unloaded), and orchestration time keeps replays
 * deterministic.
 */
export function* pollUntil<R>(
  context: OrchestrationContext,
  check: () => Generator<Task, R, unknown>,
  isDone: (value: R) => boolean,
  schedule: PollSchedule,
  onWait?: (value: R, nextCheckAt: Date, checks: number) => void,
): Generator<Task, PollResult<R>, unknown> {
  let delay = schedule.firstDelayMs;
  for (let checks = 1; ; checks++) {
    const value = yield* check();
    if (isDone(value)) return { done: true, value, checks };
    const now = context.df.currentUtcDateTime.getTime();
    if (now >= schedule.deadline.getTime()) return { done: false, last: value, checks };
    const next = new Date(Math.min(now + delay, schedule.deadline.getTime()));
    onWait?.(value, next, checks);
    yield context.df.createTimer(next);
    delay = Math.min(schedule.maxDelayMs, delay * schedule.factor);
  }
}
