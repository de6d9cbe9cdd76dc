/**
 * One measurement of the compliance bench, in a process of its own so that its peak RSS is the sweep's alone (the
 * stack and the simulator run in the parent). Prints one JSON line. Modes:
 *   sweep <tenantId> <windowAt>   the sweep's two activities: facts in bulk to a blob, then evaluation and actions
 *   perDevice <tenantId> <count>  what scripts do: per device its state, protection state, machine and recovery keys
 */
import { InvocationContext } from '@azure/functions';
import { composition } from '../../../shared/composition';
import { sweepInstanceId } from '../../../shared/compliance/contract';

const context = new InvocationContext({ functionName: 'bench', invocationId: 'bench' });

async function sweep(tenantId: string, windowAt: string): Promise<Record<string, number>> {
  const activities = composition().compliance.activities;
  const input = {
    tenantId,
    sweepId: sweepInstanceId(tenantId, Date.parse(windowAt)),
    windowAt,
    trigger: 'schedule' as const,
  };
  const facts = await activities.collectFacts(input, context);
  const outcome = await activities.evaluateSweep({ ...input, facts }, context);
  return {
    devices: outcome.devices,
    unhealthy: outcome.unhealthy,
    queued: outcome.remediationsQueued,
    appCalls: outcome.graphCalls,
  };
}

async function perDevice(tenantId: string, count: number): Promise<Record<string, number>> {
  const app = composition();
  const apis = await app.platform.tenantClients.forTenant(await app.tenants.active(tenantId));
  const first = await apis.graph.get<{ value: { id: string; azureADDeviceId: string }[] }>(
    `/v1.0/deviceManagement/managedDevices?$select=id,azureADDeviceId&$top=${count}`,
  );
  const devices = first.body.value.slice(0, count);
  await Promise.all(
    devices.map(async (device) => {
      await apis.graph.get(`/v1.0/deviceManagement/managedDevices/${device.id}`);
      await apis.graph.get(`/beta/deviceManagement/managedDevices/${device.id}/windowsProtectionState`);
      await apis.defender.get(`/api/machines?$filter=aadDeviceId eq '${device.azureADDeviceId}'`);
      await apis.graph.get(
        `/v1.0/informationProtection/bitlocker/recoveryKeys?$filter=deviceId eq '${device.azureADDeviceId}'`,
      );
    }),
  );
  return { devices: devices.length };
}

async function main(): Promise<void> {
  const [mode, tenantId = '', a = ''] = process.argv.slice(2);
  const started = performance.now();
  const result = mode === 'sweep' ? await sweep(tenantId, a) : await perDevice(tenantId, Number(a));
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
