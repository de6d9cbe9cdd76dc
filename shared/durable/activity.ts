import { type ActivityHandler, type OrchestrationContext, RetryOptions, type Task } from 'durable-functions';

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
  return (yield task) as O;
}

/** The handler type for a declared activity, for the registration side. */
export type ActivityImplementation<I, O> = (
  input: I,
  ...rest: Parameters<ActivityHandler> extends [unknown, ...infer R] ? R : never
) => Promise<O>;
