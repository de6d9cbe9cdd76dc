import { type OrchestrationContext, RetryOptions, type Task } from 'durable-functions';

/**
 * An activity declared once, with its input and output types, so that an orchestration calls it by declaration
 * rather than by a bare name string. Declarations carry no code: an orchestration imports them without importing
 * any adapter.
 */
export interface ActivityDeclaration<I, O> {
  readonly name: string;
  /** Never set; it only carries the types. */
  readonly types?: (input: I) => O;
}

/** The types of one activity, for `declareActivities`; its name is its key there. */
export interface ActivityTypes<I, O> {
  readonly types?: (input: I) => O;
}

export function activity<I, O>(): ActivityTypes<I, O> {
  return {};
}

/** Declares a family of activities; each one's name is its key, so a name is written once. */
export function declareActivities<T extends Record<string, ActivityTypes<never, unknown>>>(
  family: T,
): {
  readonly [K in keyof T]: T[K] extends ActivityTypes<infer I, infer O> ? ActivityDeclaration<I, O> : never;
} {
  return Object.fromEntries(Object.keys(family).map((name) => [name, { name }])) as never;
}

export interface RetryPolicy {
  firstRetryIntervalMs: number;
  maxAttempts: number;
  backoffCoefficient: number;
  maxRetryIntervalMs: number;
  /** No retry starts once this long has passed since the first attempt (Durable's `retryTimeout`). */
  retryTimeoutMs: number;
}

const minute = 60_000;
const hour = 60 * minute;

/**
 * Transient faults (throttling, 5xx, timeouts) that survived an activity's own retries are retried here for hours,
 * not seconds: a Graph or Defender outage of an afternoon must not fail a device whose onboarding takes days. The
 * waits grow from 5 s to 15 min (5 s, 10 s, ... about 21 min in all by the ninth try), then every 15 min, for
 * about six hours. Activities throw only what a retry can cure (permanent failures come back as values), so the
 * budget is spent only on faults that may pass. The attempt count bounds the same budget as `retryTimeout`, so the
 * policy holds where a host honours only one of them.
 */
export const transientRetry: RetryPolicy = {
  firstRetryIntervalMs: 5_000,
  backoffCoefficient: 2,
  maxRetryIntervalMs: 15 * minute,
  maxAttempts: 32,
  retryTimeoutMs: 6 * hour,
};

function retryOptions(policy: RetryPolicy): RetryOptions {
  const options = new RetryOptions(policy.firstRetryIntervalMs, policy.maxAttempts);
  options.backoffCoefficient = policy.backoffCoefficient;
  options.maxRetryIntervalInMilliseconds = policy.maxRetryIntervalMs;
  options.retryTimeoutInMilliseconds = policy.retryTimeoutMs;
  return options;
}

/**
 * What an activity returns instead of throwing when its error is one no retry can cure: Durable's retry policy
 * retries every exception, so permanent failures travel as values and become exceptions again in the orchestration.
 */
export interface PermanentFailure {
  permanentFailure: { code: string; message: string };
}

export function isPermanentFailure(value: unknown): value is PermanentFailure {
  return typeof value === 'object' && value !== null && 'permanentFailure' in value;
}

export class PermanentActivityFailure extends Error {
  constructor(
    readonly activity: string,
    readonly code: string,
    message: string,
  ) {
    super(`${activity}: ${message}`);
    this.name = 'PermanentActivityFailure';
  }
}

/** Calls a declared activity from an orchestration; use as `const out = yield* callActivity(context, decl, input)`. */
export function* callActivity<I, O>(
  context: OrchestrationContext,
  activity: ActivityDeclaration<I, O>,
  input: I,
  retry: RetryPolicy | null = transientRetry,
): Generator<Task, O, unknown> {
  const task = retry
    ? context.df.callActivityWithRetry(activity.name, retryOptions(retry), input)
    : context.df.callActivity(activity.name, input);
  const result: unknown = yield task;
  if (isPermanentFailure(result)) {
    throw new PermanentActivityFailure(
      activity.name,
      result.permanentFailure.code,
      result.permanentFailure.message,
    );
  }
  return result as O;
}
