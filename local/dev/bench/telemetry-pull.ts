/**
 * One measurement of the telemetry bench, in a process of its own so that its peak RSS is the pull's alone (the
 * stack and the simulator run in the parent). Prints one JSON line. Modes:
 *   bulk <tenantId> <runId> <runAt>   inventory (managedDevices pages) and defenderAgents (an export job), as the app pulls
 *   perDevice <tenantId> <count>      what scripts do: each device read, then its protection state
 */
import { InvocationContext } from '@azure/functions';
import { composition } from '../../../shared/composition';
import { type TelemetrySource } from '../../../shared/telemetry/contract';

const context = new InvocationContext({ functionName: 'bench', invocationId: 'bench' });

async function bulk(tenantId: string, runId: string, runAt: string): Promise<Record<string, number>> {
  const activities = composition().telemetry.activities;
  let rows = 0;
  let changed = 0;
  for (const source of ['inventory', 'defenderAgents'] as TelemetrySource[]) {
    const input = { tenantId, source, runId, runAt };
    const jobs = [];
    if (source === 'defenderAgents') {
      for (const part of await activities.listExportParts(input, context)) {
        const jobId = await activities.ensureExportJob({ ...input, part }, context);
        while ((await activities.pollExportJob({ ...input, part, jobId }, context)).status === 'pending')
          await new Promise((resolve) => setTimeout(resolve, 250));
        jobs.push({ part, jobId });
      }
    }
    const counts = await activities.ingestSource({ ...input, jobs }, context);
    rows += counts.rows;
    changed += counts.changed;
  }
  return { rows, changed };
}

async function perDevice(tenantId: string, count: number): Promise<Record<string, number>> {
  const app = composition();
  const graph = (await app.platform.tenantClients.forTenant(await app.tenants.active(tenantId))).graph;
  const first = await graph.get<{ value: { id: string }[] }>(
    `/v1.0/deviceManagement/managedDevices?$select=id&$top=${count}`,
  );
  const ids = first.body.value.slice(0, count).map((device) => device.id);
  await Promise.all(
    ids.map(async (id) => {
      await graph.get(`/v1.0/deviceManagement/managedDevices/${id}`);
      await graph.get(`/beta/deviceManagement/managedDevices/${id}/windowsProtectionState`);
    }),
  );
  return { devices: ids.length };
}

async function main(): Promise<void> {
  const [mode, tenantId = '', a = '', b = ''] = process.argv.slice(2);
  const started = performance.now();
  const result = mode === 'bulk' ? await bulk(tenantId, a, b) : await perDevice(tenantId, Number(a));
  const ms = performance.now() - started;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ ...result, ms, peakRssMb })}\n`);
  await composition().platform.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
