import { type OrchestrationContext, type Task } from 'durable-functions';
import { callActivity, PermanentActivityFailure, type RetryPolicy } from '../durable/activity';
import { pollUntil } from '../durable/poll';
import {
  type ExportPart,
  type JobState,
  type PullInput,
  type PullOutcome,
  telemetryActivities as a,
  telemetrySources,
} from './contract';

/**
 * A pull retries a failed step for minutes, not the hours onboarding does: the next run of the cadence pulls the
 * source again anyway, and a run held open for hours by one failing tenant would only delay its summary. A source
 * that keeps failing is marked stale by `recordPull`; its last good state stays.
 */
export const pullRetry: RetryPolicy = {
  firstRetryIntervalMs: 5_000,
  backoffCoefficient: 2,
  maxRetryIntervalMs: 2 * 60_000,
  maxAttempts: 6,
  retryTimeoutMs: 15 * 60_000,
};

/** How long a pull waits for Intune to finish an export before it gives up for this run (the job stays pending). */
export const exportWaitMs = 2 * 3_600_000;
/** A job Intune ends `failed` is submitted again this many times within one run. */
export const exportResubmissions = 2;

/**
 * One source of one tenant in one run. Export sources get their jobs (a pending job from an earlier run or a
 * restart is adopted and polled, never submitted twice), wait for them on durable timers, then one activity streams
 * everything to Blob and Cosmos. Whatever happens ends in `recordPull`, which keeps the last good state and marks
 * the source stale when it keeps failing.
 */
export function* pullSourceOrchestrator(
  context: OrchestrationContext,
): Generator<Task, PullOutcome, unknown> {
  const input = context.df.getInput<PullInput>();
  let outcome: PullOutcome;
  try {
    const jobs: ExportPart[] = [];
    if (telemetrySources[input.source].kind === 'export') {
      const parts = yield* callActivity(context, a.listExportParts, input, pullRetry);
      for (const part of parts) {
        const job = yield* finishedJob(context, input, part);
        if (job === undefined) throw new Error(`export ${part} did not complete within the run`);
        jobs.push(job);
      }
    }
    const counts = yield* callActivity(context, a.ingestSource, { ...input, jobs }, pullRetry);
    outcome = { tenantId: input.tenantId, source: input.source, status: 'succeeded', ...counts };
  } catch (error) {
    const message =
      error instanceof PermanentActivityFailure ? `${error.code}: ${error.message}` : errorMessage(error);
    outcome =
      error instanceof PermanentActivityFailure && error.code === 'forbidden'
        ? { tenantId: input.tenantId, source: input.source, status: 'skipped', reason: message }
        : { tenantId: input.tenantId, source: input.source, status: 'failed', error: message };
  }
  yield* callActivity(context, a.recordPull, { ...input, outcome }, pullRetry);
  return outcome;
}

function* finishedJob(
  context: OrchestrationContext,
  input: PullInput,
  part: string,
): Generator<Task, ExportPart | undefined, unknown> {
  for (let attempt = 0; attempt <= exportResubmissions; attempt++) {
    const jobId = yield* callActivity(context, a.ensureExportJob, { ...input, part }, pullRetry);
    const job = { part, jobId };
    const deadline = new Date(context.df.currentUtcDateTime.getTime() + exportWaitMs);
    const polled = yield* pollUntil<JobState>(
      context,
      () => callActivity(context, a.pollExportJob, { ...input, ...job }, pullRetry),
      (state) => state.status !== 'pending',
      { firstDelayMs: 30_000, maxDelayMs: 10 * 60_000, factor: 2, deadline },
    );
    if (!polled.done) return undefined;
    if (polled.value.status === 'completed') return job;
    yield* callActivity(context, a.forgetExportJob, { ...input, ...job }, pullRetry);
  }
  return undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
