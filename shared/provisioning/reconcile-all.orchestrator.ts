import { type OrchestrationContext, type Task } from 'durable-functions';
import { callActivity } from '../durable/activity';
import {
  type ProvisionInput,
  provisioningActivities as a,
  type ReconcileAllInput,
  type ReconcileAllSummary,
  type ReconcileOutcome,
  reconcileRunTenantInstanceId,
  reconcileTenantOrchestration,
} from './contract';

/** Tenants reconciled at once: bounds the Graph load and the host's work per run. */
export const reconcilesInFlight = 5;
/** Tenant ids per page: each page is one execution (continueAsNew), so a run's history stays small. */
export const tenantPageSize = 100;

/**
 * The timer's run over every active managed tenant: a page of tenant ids at a time (read by an activity, never
 * carried in the run's input), one sub-orchestration per tenant with a deterministic id under the run's, at most
 * `reconcilesInFlight` at a time, then the next page as a fresh execution carrying only the totals. A tenant's
 * failure is counted (its sub-orchestration returns it rather than throwing): one tenant cannot stop the others.
 */
export function* reconcileAllOrchestrator(
  context: OrchestrationContext,
): Generator<Task, ReconcileAllSummary | undefined, unknown> {
  const input = context.df.getInput<ReconcileAllInput>();
  const totals = input.totals ?? { tenants: 0, succeeded: 0, failed: 0, skipped: 0, writes: 0 };
  const page = yield* callActivity(context, a.listManagedTenants, {
    runId: input.runId,
    ...(input.after === undefined ? {} : { after: input.after }),
    pageSize: tenantPageSize,
  });
  for (let start = 0; start < page.tenantIds.length; start += reconcilesInFlight) {
    context.df.setCustomStatus({ done: totals.tenants });
    const batch = page.tenantIds.slice(start, start + reconcilesInFlight);
    const results = (yield context.df.Task.all(
      batch.map((tenantId) =>
        context.df.callSubOrchestrator(
          reconcileTenantOrchestration,
          { tenantId, runId: input.runId } satisfies ProvisionInput,
          reconcileRunTenantInstanceId(input.runId, tenantId),
        ),
      ),
    )) as ReconcileOutcome[];
    for (const result of results) {
      totals.tenants++;
      if (result.outcome === 'succeeded') {
        totals.succeeded++;
        totals.writes += result.writes;
      } else if (result.outcome === 'skipped') totals.skipped++;
      else totals.failed++;
    }
  }
  if (page.next !== undefined) {
    context.df.continueAsNew({ runId: input.runId, after: page.next, totals } satisfies ReconcileAllInput);
    return undefined;
  }
  return { runId: input.runId, totals };
}
