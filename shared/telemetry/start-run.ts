import { type InvocationContext, type Timer } from '@azure/functions';
import { type DurableClient } from 'durable-functions';
import { type Cadence, cadencePeriodMs, telemetryRunId, telemetryRunOrchestration } from './contract';

/** Instances in these states are a run that already happened or is under way: never start it again. */
const running = new Set(['Pending', 'Running', 'Completed', 'ContinuedAsNew', 'Suspended']);

/**
 * The timer trigger of one cadence: starts the run of the current period under its deterministic id, unless that
 * run exists already (a second firing, a second instance of the app, a restart). A run that failed or was
 * terminated may be started again: every step of it is idempotent.
 */
export function startTelemetryRunHandler(
  cadence: Cadence,
  client: (context: InvocationContext) => DurableClient,
) {
  return async (timer: Timer, context: InvocationContext): Promise<string> => {
    // The schedule's own time when the host reports it (the local host's virtual clock), else the wall clock.
    const firedAt = Date.parse(timer.scheduleStatus?.lastUpdated ?? '') || Date.now();
    const runId = telemetryRunId(cadence, firedAt);
    const durable = client(context);
    const existing = await durable.getStatus(runId).catch(() => undefined);
    if (existing && running.has(String(existing.runtimeStatus))) {
      context.log(
        `telemetry ${cadence}: run ${runId} exists (${String(existing.runtimeStatus)}), not started again`,
      );
      return runId;
    }
    const period = cadencePeriodMs[cadence];
    const runAt = new Date(Math.floor(firedAt / period) * period).toISOString();
    await durable.startNew(telemetryRunOrchestration, {
      instanceId: runId,
      input: { cadence, runId, runAt },
    });
    context.log(`telemetry ${cadence}: started ${runId}`);
    return runId;
  };
}
