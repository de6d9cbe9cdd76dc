import { type OnboardingWorld } from '../../support/onboarding-world';
import { composition } from '../../../shared/composition';
import { blobContainers } from '../../../shared/platform/declarations';
import { type InstanceStatus } from '@mds/functions-host';
import {
  type TelemetrySource,
  telemetryRunOrchestration,
  telemetrySources,
} from '../../../shared/telemetry/contract';

export const allSources = Object.keys(telemetrySources) as TelemetrySource[];

/**
 * Lets virtual time pass up to `to`: each due timer (telemetry triggers, durable timers, the simulator's device
 * lifecycle) fires in order, and the host finishes what it started before the clock moves on. Then every telemetry
 * run under way finishes, as "the time passed" means to the caller: the clock keeps stepping through the durable
 * timers those runs wait on (past `to` if need be), and a run still unfinished when the next one starts fails the
 * test with its progress instead of leaving a pull half done. `stopMidRun` stops the clock at `to` whatever is under
 * way (to stop the host mid-pull).
 */
export async function passTime(
  world: OnboardingWorld,
  to: number,
  options: { stopMidRun?: boolean } = {},
): Promise<void> {
  for (;;) {
    await world.host.waitForIdle({ timeoutMs: 120_000 });
    const due = world.clock.nextDue();
    if (due === undefined || due > to) break;
    await world.clock.advanceTo(due);
  }
  if (world.clock.now() < to) await world.clock.advanceTo(to);
  await world.host.waitForIdle({ timeoutMs: 120_000 });
  if (options.stopMidRun) return;

  const underWay = new Set((await telemetryRuns(world)).map((run) => run.instanceId));
  let progress = '';
  for (;;) {
    const runs = await telemetryRuns(world);
    const late = runs.filter((run) => !underWay.has(run.instanceId));
    if (late.length > 0)
      throw new Error(
        `${late.map((run) => run.instanceId).join(', ')} started before the runs under way at ${new Date(to).toISOString()} finished (${progress})`,
      );
    const unfinished = runs.filter((run) => !terminal.has(run.runtimeStatus));
    if (unfinished.length === 0) return;
    progress = unfinished.map((run) => `${run.instanceId} ${JSON.stringify(run.customStatus)}`).join(', ');
    const due = world.clock.nextDue();
    if (due === undefined) throw new Error(`${progress}: waiting on nothing the clock has scheduled`);
    await world.clock.advanceTo(due);
    await world.host.waitForIdle({ timeoutMs: 120_000 });
  }
}

const terminal = new Set(['Completed', 'Failed', 'Terminated']);

/** Every telemetry run the host holds (one per cadence and period; their pulls left out). */
async function telemetryRuns(world: OnboardingWorld): Promise<InstanceStatus[]> {
  const url = new URL(`${world.host.baseUrl}/runtime/webhooks/durabletask/instances`);
  url.searchParams.set('instanceIdPrefix', 'telemetry:');
  url.searchParams.set('showInput', 'false');
  url.searchParams.set('code', world.host.keys.durableTaskKey);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`listing instances answered ${response.status}`);
  const instances = (await response.json()) as InstanceStatus[];
  return instances.filter((instance) => instance.name === telemetryRunOrchestration);
}

/** id → hash of every record of a tenant's source. */
export async function recordHashes(tenantId: string, source: TelemetrySource): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for await (const page of composition().telemetry.store.records(tenantId, source))
    for (const record of page) {
      if (hashes.has(record.id)) throw new Error(`record ${record.id} is stored twice`);
      hashes.set(record.id, record.hash);
    }
  return hashes;
}

export async function recordsWrittenIn(
  tenantId: string,
  source: TelemetrySource,
  runIds: (runId: string) => boolean,
): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of composition().telemetry.store.records(tenantId, source))
    for (const record of page) if (runIds(record.runId)) keys.push(record.key);
  return keys.sort();
}

export async function rawBlobs(tenantId: string): Promise<string[]> {
  const container = composition().platform.blobs.getContainerClient(blobContainers.telemetryRaw);
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat({ prefix: `${tenantId}/` })) names.push(blob.name);
  return names.sort();
}

/** Update rings as Intune profiles in the simulated tenant, assigned to every device. */
export function addRingPolicy(world: OnboardingWorld, tenantId: string): string {
  const tenant = world.sim.world.tenant(tenantId);
  if (!tenant) throw new Error(`no simulated tenant ${tenantId}`);
  const now = world.clock.now();
  const policy = tenant.policies.create(
    'deviceConfiguration',
    { '@odata.type': '#microsoft.graph.windowsUpdateForBusinessConfiguration', displayName: 'Ring Broad' },
    now,
  );
  tenant.policies.assign(policy, [{ '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' }], now);
  return policy.id;
}

export const hour = 3_600_000;
export const day = 24 * hour;

/** The start of the next UTC day after `now`. */
export function nextMidnight(now: number): number {
  return Math.floor(now / day) * day + day;
}
