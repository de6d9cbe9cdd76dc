import { type OrchestrationContext, type Task } from 'durable-functions';
import { callActivity } from '../durable/activity';
import {
  type PullOutcome,
  type RunInput,
  type RunSummary,
  sourcesOf,
  telemetryActivities as a,
  telemetryPullInstanceId,
  telemetryPullOrchestration,
} from './contract';

/** Sub-orchestrations of one run in flight at once: bounds the Graph load and the host's work per run. */
export const pullsInFlight = 4;

/**
 * One scheduled run of a cadence: every active tenant × every source of the cadence, one sub-orchestration each
 * (deterministic ids under the run's), at most `pullsInFlight` at a time. A pull never throws here: it records its
 * own failure and returns it, so one failing source or tenant never stops the others.
 */
export function* runTelemetryOrchestrator(
  context: OrchestrationContext,
): Generator<Task, RunSummary, unknown> {
  const input = context.df.getInput<RunInput>();
  const tenants = yield* callActivity(context, a.listActiveTenants, { runId: input.runId });
  const pulls = tenants.flatMap((tenantId) =>
    sourcesOf(input.cadence).map((source) => ({ tenantId, source, runId: input.runId, runAt: input.runAt })),
  );
  const outcomes: PullOutcome[] = [];
  for (let start = 0; start < pulls.length; start += pullsInFlight) {
    const batch = pulls.slice(start, start + pullsInFlight);
    context.df.setCustomStatus({ pulls: pulls.length, done: start });
    const results = (yield context.df.Task.all(
      batch.map((pull) =>
        context.df.callSubOrchestrator(
          telemetryPullOrchestration,
          pull,
          telemetryPullInstanceId(pull.runId, pull.tenantId, pull.source),
        ),
      ),
    )) as PullOutcome[];
    outcomes.push(...results);
  }
  const count = (status: PullOutcome['status']): number =>
    outcomes.filter((outcome) => outcome.status === status).length;
  return {
    runId: input.runId,
    tenants: tenants.length,
    pulls: { succeeded: count('succeeded'), failed: count('failed'), skipped: count('skipped') },
  };
}
