import { type OrchestrationContext, type Task } from 'durable-functions';
import { callActivity } from '../durable/activity';
import {
  accessActivities as a,
  credentialRotationOrchestration,
  rotationInstanceId,
  rotationsInFlight,
  type ScheduledRunInput,
} from './contract';
import { type RotationResult } from './credential-rotation.orchestrator';

/**
 * The scheduled run (daily): claims every account of an active managed tenant last rotated 13 days ago or more
 * (accounts on lease are left to the end of their lease) and rotates each in its own sub-orchestration, a few at a
 * time. Rotations that keep failing alert on their own; the run only counts them.
 */
export function* scheduledRotationOrchestrator(
  context: OrchestrationContext,
): Generator<Task, { claimed: number; rotated: number; failed: number }, unknown> {
  const input = context.df.getInput<ScheduledRunInput>();
  const jobs = yield* callActivity(context, a.claimDueRotations, input);
  let rotated = 0;
  for (let start = 0; start < jobs.length; start += rotationsInFlight) {
    const batch = jobs.slice(start, start + rotationsInFlight);
    const results = (yield context.df.Task.all(
      batch.map((job) =>
        context.df.callSubOrchestrator(
          credentialRotationOrchestration,
          job,
          rotationInstanceId(`${job.lockKey}:${job.tenantId}:${job.account}`),
        ),
      ),
    )) as RotationResult[];
    rotated += results.filter((result) => result.rotated).length;
  }
  return { claimed: jobs.length, rotated, failed: jobs.length - rotated };
}
