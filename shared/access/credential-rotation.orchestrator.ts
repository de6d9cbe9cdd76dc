import { type OrchestrationContext, type Task } from 'durable-functions';
import { callActivity } from '../durable/activity';
import {
  accessActivities as a,
  rotationRetry,
  rotationRoundPauseMs,
  type RotationJob,
  type RotationOutcome,
} from './contract';

/** Rounds of retries (a day of them) before the orchestration leaves the account to the operators it alerted. */
export const maxRotationRounds = 96;

export type RotationResult = ({ rotated: true } & RotationOutcome) | { rotated: false; rounds: number };

/**
 * Rotates one account's password until it succeeds: each round is the activity with its own retries and backoff;
 * a round that fails raises an alert (and an audit event and a CloudEvent), and after a pause the next round starts
 * as a new execution (`continueAsNew`, so the history stays one round long). The previous password is never left
 * valid without operators being told, every 15 minutes, for a day.
 */
export function* credentialRotationOrchestrator(
  context: OrchestrationContext,
): Generator<Task, RotationResult | undefined, unknown> {
  const { round = 1, ...job } = context.df.getInput<RotationJob & { round?: number }>();
  try {
    const outcome = yield* callActivity(context, a.rotatePassword, job, rotationRetry);
    return { rotated: true, ...outcome };
  } catch (error) {
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '').slice(0, 200) : 'failed';
    context.df.setCustomStatus({ failingRounds: round });
    yield* callActivity(context, a.reportRotationFailure, { ...job, round, error: message });
    if (round >= maxRotationRounds) return { rotated: false, rounds: round };
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + rotationRoundPauseMs));
    context.df.continueAsNew({ ...job, round: round + 1 });
    return undefined;
  }
}
