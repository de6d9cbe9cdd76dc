import { type InvocationContext, type Timer } from '@azure/functions';
import {
  type SweepInput,
  sweepInstanceId,
  sweepTenantOrchestration,
  type SweepTrigger,
  sweepWindowMs,
  windowStart,
} from './contract';

/** What starting a sweep needs of a durable client (durable-functions' `DurableClient` has it). */
export interface SweepClient {
  getStatus(instanceId: string): Promise<{ runtimeStatus?: unknown } | undefined>;
  startNew(name: string, options: { instanceId: string; input: unknown }): Promise<string>;
}

/** Instances in these states are a sweep of the window that happened or is under way: never start it again. */
const existingStates = new Set(['Pending', 'Running', 'Completed', 'ContinuedAsNew', 'Suspended']);

export interface StartedSweep {
  tenantId: string;
  sweepId: string;
  windowAt: string;
  /** `exists`: the window's sweep had started already (by the timer, another request, another instance). */
  state: 'started' | 'exists';
}

/**
 * Starts a tenant's sweep of the window that covers `at` under its deterministic id, unless that sweep exists. A sweep
 * that failed or was terminated may be started again: each of its steps is idempotent.
 */
export async function startSweep(
  client: SweepClient,
  tenantId: string,
  at: number,
  trigger: SweepTrigger,
  windowMs = sweepWindowMs,
): Promise<StartedSweep> {
  const sweepId = sweepInstanceId(tenantId, at, windowMs);
  const windowAt = windowStart(at, windowMs);
  const existing = await client.getStatus(sweepId).catch(() => undefined);
  if (existing && existingStates.has(String(existing.runtimeStatus)))
    return { tenantId, sweepId, windowAt, state: 'exists' };
  const input: SweepInput = { tenantId, sweepId, windowAt, trigger };
  await client.startNew(sweepTenantOrchestration, { instanceId: sweepId, input });
  return { tenantId, sweepId, windowAt, state: 'started' };
}

/** The timer: every active tenant's sweep of the current window. */
export function sweepTimerHandler(
  activeTenants: () => Promise<string[]>,
  client: (context: InvocationContext) => SweepClient,
) {
  return async (timer: Timer, context: InvocationContext): Promise<StartedSweep[]> => {
    // The schedule's own time when the host reports it (the local host's virtual clock), else the wall clock.
    const firedAt = Date.parse(timer.scheduleStatus?.lastUpdated ?? '') || Date.now();
    const durable = client(context);
    const started: StartedSweep[] = [];
    for (const tenantId of await activeTenants())
      started.push(await startSweep(durable, tenantId, firedAt, 'schedule'));
    context.log(
      `compliance sweeps: ${started.filter((s) => s.state === 'started').length} started, ${started.filter((s) => s.state === 'exists').length} already under way`,
    );
    return started;
  };
}
