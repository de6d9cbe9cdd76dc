import { type OrchestrationContext, type OrchestrationHandler } from 'durable-functions';
import { callActivity, PermanentActivityFailure } from '../../durable/activity';
import { type WatchInput, watchActivities as w } from '../contract';

/** How long the first round waits after the watcher starts, so that the devices of one order import together. */
export const firstRoundDelayMs = 30_000;

export interface WatchStatus {
  rounds: number;
  waiting?: number;
  nextRoundAt?: string;
  degraded?: boolean;
}

/**
 * A tenant's watcher (`watch:{tenantId}`): while any device of the tenant waits, it sleeps on a durable timer, runs
 * one round (an activity that reads every waiting device's state in bulk and raises an event to each device whose
 * state changed), and starts afresh with `continueAsNew`, so its history stays one round long. The devices it
 * watches stay in Cosmos, never in its history. It stops when a round finds nothing waiting and the two-phase stop
 * (`concludeWatch`) confirms no registration raced it.
 */
export const watchTenantOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<WatchInput>();
  const rounds = input.rounds ?? 0;
  const delayMs = input.delayMs > 0 ? input.delayMs : firstRoundDelayMs;
  const next = new Date(context.df.currentUtcDateTime.getTime() + delayMs);
  context.df.setCustomStatus({ rounds, nextRoundAt: next.toISOString() } satisfies WatchStatus);
  yield context.df.createTimer(next);

  let summary;
  try {
    summary = yield* callActivity(context, w.watchRound, {
      tenantId: input.tenantId,
      watcherInstanceId: context.df.instanceId,
      lastDelayMs: delayMs,
      now: context.df.currentUtcDateTime.toISOString(),
    });
  } catch (error) {
    // A suspended or deprovisioned tenant: nothing more is done in it; its devices end at their own deadlines.
    if (error instanceof PermanentActivityFailure) return { rounds: rounds + 1, stopped: error.message };
    throw error;
  }
  context.df.setCustomStatus({
    rounds: rounds + 1,
    waiting: summary.waiting,
    degraded: summary.degraded,
  } satisfies WatchStatus);
  if (summary.waiting === 0) {
    const { stopped } = yield* callActivity(context, w.concludeWatch, { tenantId: input.tenantId });
    if (stopped) return { rounds: rounds + 1 };
  }
  context.df.continueAsNew({
    tenantId: input.tenantId,
    rounds: rounds + 1,
    delayMs: summary.nextDelayMs,
  } satisfies WatchInput);
  return undefined;
};
