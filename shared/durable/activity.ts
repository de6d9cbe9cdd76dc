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

export function declareActivity<I, O>(name: string): ActivityDeclaration<I, O> {
  return { name };
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
