import { type InvocationContext, type Timer } from '@azure/functions';
import { type DurableClient, type DurableOrchestrationStatus } from 'durable-functions';
import {
  type ProvisionInput,
  provisionInstanceId,
  provisionOrchestration,
  type ReconcileAllInput,
  reconcileAllOrchestration,
  reconcileInstanceId,
  reconcileRunId,
  reconcileTenantOrchestration,
} from './contract';

/** Instances in these states are under way: a repeated request finds them instead of starting another. */
const underWay = new Set(['Pending', 'Running', 'ContinuedAsNew', 'Suspended']);

export interface Started {
  instanceId: string;
  /** `started`, or `exists` when the same instance was already under way (a repeat). */
  result: 'started' | 'exists';
}

async function statusOf(
  client: DurableClient,
  instanceId: string,
): Promise<DurableOrchestrationStatus | undefined> {
  return client.getStatus(instanceId, { showInput: false, showHistory: false }).catch((error: unknown) => {
    if (error instanceof Error && /HTTP 404/.test(error.message)) return undefined;
    throw error;
  });
}

/** Starts `name` under a deterministic id unless an instance under that id is under way already. */
async function startOnce(
  client: DurableClient,
  name: string,
  instanceId: string,
  input: unknown,
): Promise<Started> {
  const existing = await statusOf(client, instanceId);
  if (existing && underWay.has(String(existing.runtimeStatus))) return { instanceId, result: 'exists' };
  await client.startNew(name, { instanceId, input });
  return { instanceId, result: 'started' };
}

/** Readiness → provisioning → active for a registered tenant; one instance per tenant. */
export function startProvisioning(client: DurableClient, tenantId: string, runId: string): Promise<Started> {
  const input: ProvisionInput = { tenantId, runId };
  return startOnce(client, provisionOrchestration, provisionInstanceId(tenantId), input);
}

/** An on-demand reconcile of one tenant; a second request while one runs gets that one. */
export function startReconcile(client: DurableClient, tenantId: string, runId: string): Promise<Started> {
  const input: ProvisionInput = { tenantId, runId };
  return startOnce(client, reconcileTenantOrchestration, reconcileInstanceId(tenantId), input);
}

/** The durable state of a tenant's provisioning and its last on-demand reconcile, for the status route. */
export async function provisioningInstances(client: DurableClient, tenantId: string) {
  const view = (status: DurableOrchestrationStatus | undefined) =>
    status && {
      instanceId: status.instanceId,
      runtimeStatus: String(status.runtimeStatus),
      createdTime: new Date(status.createdTime).toISOString(),
      lastUpdatedTime: new Date(status.lastUpdatedTime).toISOString(),
      ...(status.customStatus ? { customStatus: status.customStatus } : {}),
      ...(status.output !== undefined && status.output !== null ? { output: status.output } : {}),
    };
  const [provisioning, reconcile] = await Promise.all([
    statusOf(client, provisionInstanceId(tenantId)),
    statusOf(client, reconcileInstanceId(tenantId)),
  ]);
  return { provisioning: view(provisioning), reconcile: view(reconcile) };
}

/**
 * The timer: starts the run of the current 4-hour window under its deterministic id, unless that run exists (a
 * second firing, a second instance of the app, a restart).
 */
export function startReconcileRunHandler(client: (context: InvocationContext) => DurableClient) {
  return async (timer: Timer, context: InvocationContext): Promise<string> => {
    const firedAt = Date.parse(timer.scheduleStatus?.lastUpdated ?? '') || Date.now();
    const runId = reconcileRunId(firedAt);
    const durable = client(context);
    const existing = await statusOf(durable, runId);
    // A run that failed or was terminated may run again: every step of it is idempotent.
    if (
      existing &&
      (underWay.has(String(existing.runtimeStatus)) || String(existing.runtimeStatus) === 'Completed')
    ) {
      context.log(`reconcile: run ${runId} exists (${String(existing.runtimeStatus)}), not started again`);
      return runId;
    }
    const input: ReconcileAllInput = { runId };
    await durable.startNew(reconcileAllOrchestration, { instanceId: runId, input });
    context.log(`reconcile: started ${runId}`);
    return runId;
  };
}
