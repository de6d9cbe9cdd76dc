import { type OrchestrationContext, type Task } from 'durable-functions';
import { callActivity } from '../durable/activity';
import {
  type ProvisionInput,
  type ProvisionOutput,
  type ProvisionStatus,
  provisioningActivities as a,
  type ReconcileInput,
  type ReconcileOutcome,
} from './contract';

/** Throttled runs before a reconcile gives up for this time (the next timer window tries again). */
export const maxThrottledRuns = 6;
/** Without a Retry-After: 30 s, 1 min, 2 min, ... at most this long. */
export const maxThrottleWaitMs = 15 * 60_000;
const firstThrottleWaitMs = 30_000;

/**
 * One reconcile of a tenant that honours Retry-After: Graph's client waits out short Retry-After answers itself;
 * a longer one ends the activity as `throttled`, and the orchestration waits that long on a durable timer (no
 * worker held) before it reads the tenant again. Other transient faults are retried by the activity's policy.
 */
export function* reconcileHonouringRetryAfter(
  context: OrchestrationContext,
  input: ReconcileInput,
): Generator<Task, ReconcileOutcome, unknown> {
  for (let run = 1; ; run++) {
    const result = yield* callActivity(context, a.applyDesiredState, input);
    if (result.outcome !== 'throttled' || run >= maxThrottledRuns) return result;
    const waitMs = Math.min(maxThrottleWaitMs, result.retryAfterMs ?? firstThrottleWaitMs * 2 ** (run - 1));
    context.df.setCustomStatus({ step: 'waitingForThrottle' } satisfies ProvisionStatus);
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + waitMs));
  }
}

/**
 * Registration's second half: the readiness assessment (reads only), then, when the tenant is ready (or ready with
 * advisories), the desired state, then active. A tenant that is not ready is held as `provisioning` with nothing
 * written; registering it again once fixed runs the assessment again.
 */
export function* provisionTenantOrchestrator(
  context: OrchestrationContext,
): Generator<Task, ProvisionOutput, unknown> {
  const { tenantId, runId } = context.df.getInput<ProvisionInput>();
  context.df.setCustomStatus({ step: 'readiness' } satisfies ProvisionStatus);
  const readiness = yield* callActivity(context, a.assessReadiness, { tenantId });
  if (readiness.verdict !== 'ready' && readiness.verdict !== 'advisory')
    return { tenantId, status: 'held', verdict: readiness.verdict, notReady: readiness.notReady };
  context.df.setCustomStatus({ step: 'provisioning' } satisfies ProvisionStatus);
  const result = yield* reconcileHonouringRetryAfter(context, { tenantId, runId, initial: true });
  if (result.outcome !== 'succeeded')
    return { tenantId, status: 'failed', verdict: readiness.verdict, reason: result.outcome };
  context.df.setCustomStatus({ step: 'activating' } satisfies ProvisionStatus);
  yield* callActivity(context, a.activateTenant, { tenantId });
  return { tenantId, status: 'active', verdict: readiness.verdict, writes: result.writes };
}

/** One reconcile of one managed tenant, on demand and as each tenant's part of a timer run; it never throws. */
export function* reconcileTenantOrchestrator(
  context: OrchestrationContext,
): Generator<Task, ReconcileOutcome, unknown> {
  const { tenantId, runId } = context.df.getInput<ProvisionInput>();
  try {
    return yield* reconcileHonouringRetryAfter(context, { tenantId, runId, initial: false });
  } catch (error) {
    // Retries ran out (or a permanent failure): returned, so that a run over all tenants counts it and goes on.
    return { outcome: 'failed', reason: error instanceof Error ? error.message : String(error) };
  }
}
