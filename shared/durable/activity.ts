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
}

/** Transient faults (throttling, 5xx, timeouts) that survived an activity's own retries get a few more tries here. */
export const transientRetry: RetryPolicy = {
  firstRetryIntervalMs: 5_000,
  maxAttempts: 5,
  backoffCoefficient: 2,
  maxRetryIntervalMs: 120_000,
};

function retryOptions(policy: RetryPolicy): RetryOptions {
  const options = new RetryOptions(policy.firstRetryIntervalMs, policy.maxAttempts);
  options.backoffCoefficient = policy.backoffCoefficient;
  options.maxRetryIntervalInMilliseconds = policy.maxRetryIntervalMs;
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
