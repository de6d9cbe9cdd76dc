import { type InvocationContext, type Timer } from '@azure/functions';
import { type DurableClient } from 'durable-functions';
import { scheduledRotationInstanceId, scheduledRotationOrchestration } from './contract';

/** Instances in these states are a run that happened or is under way: never started again. */
const running = new Set(['Pending', 'Running', 'Completed', 'ContinuedAsNew', 'Suspended']);

/**
 * The daily timer: starts the day's scheduled rotation run under its deterministic id, unless it exists (a second
 * firing, a second instance of the app). A failed or terminated run may start again: its claims are idempotent.
 */
export function startScheduledRotationHandler(client: (context: InvocationContext) => DurableClient) {
  return async (timer: Timer, context: InvocationContext): Promise<string> => {
    // The schedule's own time when the host reports it (the local host's virtual clock), else the wall clock.
    const firedAt = new Date(Date.parse(timer.scheduleStatus?.lastUpdated ?? '') || Date.now());
    const runId = scheduledRotationInstanceId(firedAt.toISOString().slice(0, 10));
    const durable = client(context);
    const existing = await durable.getStatus(runId).catch(() => undefined);
    if (existing && running.has(String(existing.runtimeStatus))) {
      context.log(`credential rotation: run ${runId} exists (${String(existing.runtimeStatus)})`);
      return runId;
    }
    await durable.startNew(scheduledRotationOrchestration, {
      instanceId: runId,
      input: { runId, at: firedAt.toISOString() },
    });
    context.log(`credential rotation: started ${runId}`);
    return runId;
  };
}
