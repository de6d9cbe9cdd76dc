import { type OrchestrationContext, type Task } from 'durable-functions';
import { callActivity, PermanentActivityFailure, type RetryPolicy } from '../durable/activity';
import { complianceActivities as a, type SweepInput, type SweepOutcome } from './contract';

/**
 * A sweep retries a failed step for minutes: the next window sweeps again anyway, and a sweep held open for hours
 * would overlap it. Activities retry throttling and 5xx inside their calls first (Retry-After honoured).
 */
export const sweepRetry: RetryPolicy = {
  firstRetryIntervalMs: 10_000,
  backoffCoefficient: 2,
  maxRetryIntervalMs: 5 * 60_000,
  maxAttempts: 6,
  retryTimeoutMs: 30 * 60_000,
};

/**
 * One tenant's sweep in one window: gather the facts in bulk (to a blob), evaluate and act on them (results in
 * Cosmos, events, queued remediations), record the outcome. History holds only the blob's name and counts.
 */
export function* sweepTenantOrchestrator(
  context: OrchestrationContext,
): Generator<Task, SweepOutcome, unknown> {
  const input = context.df.getInput<SweepInput>();
  try {
    context.df.setCustomStatus({ stage: 'collecting' });
    const facts = yield* callActivity(context, a.collectFacts, input, sweepRetry);
    context.df.setCustomStatus({ stage: 'evaluating', devices: facts.devices });
    const outcome = yield* callActivity(context, a.evaluateSweep, { ...input, facts }, sweepRetry);
    yield* callActivity(context, a.recordSweep, { ...input, outcome }, sweepRetry);
    context.df.setCustomStatus({ stage: 'done', devices: outcome.devices });
    return outcome;
  } catch (error) {
    const message =
      error instanceof PermanentActivityFailure
        ? `${error.code}: ${error.message}`
        : error instanceof Error
          ? error.message
          : String(error);
    yield* callActivity(context, a.recordSweep, { ...input, error: message }, sweepRetry);
    throw error;
  }
}
