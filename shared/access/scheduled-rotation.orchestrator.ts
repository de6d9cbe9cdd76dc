import { type OrchestrationContext, type Task } from 'durable-functions';
import { callActivity } from '../durable/activity';
import {
  accessActivities as a,
  credentialRotationOrchestration,
  rotationInstanceId,
  type ScheduledRunInput,
} from './contract';
import { type RotationResult } from './credential-rotation.orchestrator';

/**
 * The scheduled run (daily): claims every account of an active tenant last rotated 13 days ago or more (accounts on
 * lease are left to the end of their lease) and rotates each in a sub-orchestration of its own, all at once: a
 * rotation that keeps failing retries for a day, and must not hold the others back (the host's activity concurrency
 * bounds the load; each tenant sees four PATCH calls). Failing rotations alert on their own; the run counts them.
 */
export function* scheduledRotationOrchestrator(
  context: OrchestrationContext,
): Generator<Task, { claimed: number; rotated: number; failed: number }, unknown> {
  const input = context.df.getInput<ScheduledRunInput>();
  const jobs = yield* callActivity(context, a.claimDueRotations, input);
  const results = (yield context.df.Task.all(
    jobs.map((job) =>
      context.df.callSubOrchestrator(
        credentialRotationOrchestration,
        job,
        rotationInstanceId(`${job.lockKey}:${job.tenantId}:${job.account}`),
      ),
    ),
  )) as RotationResult[];
  const rotated = results.filter((result) => result.rotated).length;
  return { claimed: jobs.length, rotated, failed: jobs.length - rotated };
}
