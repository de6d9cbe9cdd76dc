import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Benchmark, type Measurement, WallClock } from '@mds/platform-kit';
import { type TenantSimHandle, allPermissions } from '@mds/tenant-sim';
import { startStack } from '../stack';
import { composition, resetComposition } from '../../../shared/composition';

const run = promisify(execFile);
const mediumTenant = 10_000;
const bigTenant = 100_000;
/** Per-device reads are sampled: Defender allows 100 calls a minute, and each device costs one. */
const perDeviceSample = 50;
const callsPerDevice = 4;

interface ChildResult {
  ms: number;
  peakRssMb: number;
  devices?: number;
  unhealthy?: number;
  queued?: number;
}

/**
 * Compliance sweeps: the Graph and Defender calls of a sweep of a 10,000-device tenant (every fact source in bulk)
 * beside what reading each device's state, protection state, machine and recovery keys costs (4 calls a device,
 * measured on a sample), and the wall time and peak RSS of a sweep of 100,000 devices. Each measurement runs in a
 * child process, so its peak RSS is the sweep's alone; the simulator's counters in this process give the calls.
 */
export const complianceSweeps: Benchmark = {
  name: `Compliance sweeps: ${mediumTenant.toLocaleString('en')} and ${bigTenant.toLocaleString('en')} devices in bulk vs per-device reads (each in a child process)`,
  run: async () => {
    const stack = await startStack({ clock: new WallClock(), ports: 'ephemeral' });
    try {
      const sim = stack.tenantSimulator;
      if (!sim) throw new Error('the stack started without its tenant simulator');
      Object.assign(process.env, stack.settings);
      const env = { ...process.env, ...stack.settings };
      const child = async (args: string[]): Promise<ChildResult> => {
        const node = ['--max-old-space-size=2048', join(__dirname, 'compliance-sweep.js'), ...args];
        const { stdout } = await run(process.execPath, node, { env, maxBuffer: 1024 * 1024 });
        return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as ChildResult;
      };
      const measured = async (tenantId: string, args: string[]) => {
        sim.control.resetCounters(tenantId);
        const result = await child(args);
        const counters = sim.control.counterValues(tenantId);
        const calls = Object.values(counters.requests).reduce((sum, n) => sum + n, 0);
        return { ...result, calls, throttled: counters.throttled };
      };
      const medium = await addTenant(sim, 'medium', mediumTenant);
      const big = await addTenant(sim, 'big', bigTenant);
      const windowAt = new Date().toISOString();
      const mediumSweep = await measured(medium, ['sweep', medium, windowAt]);
      const bigSweep = await measured(big, ['sweep', big, windowAt]);
      const perDevice = await measured(medium, ['perDevice', medium, String(perDeviceSample)]);
      // The sample's listing call is not a per-device call.
      const perDeviceCalls = ((perDevice.calls - 1) / perDeviceSample) * mediumTenant;
      const line = (label: string, devices: number, r: typeof mediumSweep, extra = ''): Measurement => ({
        label,
        operations: devices,
        ms: r.ms,
        details:
          `Graph+Defender calls ${r.calls} (${(r.calls / devices).toFixed(4)}/device), 429s ${r.throttled}, peak RSS ${r.peakRssMb.toFixed(0)} MB` +
          (r.unhealthy === undefined ? '' : `, unhealthy ${r.unhealthy}, remediations queued ${r.queued}`) +
          extra,
      });
      return [
        line(
          `sweep ${mediumTenant / 1000}k`,
          mediumTenant,
          mediumSweep,
          `; per-device reads of ${mediumTenant / 1000}k would take ${perDeviceCalls.toFixed(0)} calls: ${(perDeviceCalls / mediumSweep.calls).toFixed(0)}× fewer`,
        ),
        line(`sweep ${bigTenant / 1000}k`, bigTenant, bigSweep),
        line(
          `per-device ${perDeviceSample}`,
          perDeviceSample,
          perDevice,
          `; ${callsPerDevice} calls a device (state, protection, machine, keys)`,
        ),
      ];
    } finally {
      await resetComposition();
      await stack.stop();
    }
  },
};

async function addTenant(sim: TenantSimHandle, label: string, count: number): Promise<string> {
  const suffix = randomBytes(3).toString('hex');
  const created = sim.control.createTenant({
    displayName: `Compliance bench ${label}`,
    domain: `compliance-${label}-${suffix}.onmicrosoft.com`,
    seed: `compliance-${label}-${suffix}`,
    deviceCount: count,
    e5: { enabled: 10, consumed: 0 },
    apps: [{ permissions: [...allPermissions] }],
  });
  const app = created.apps[0];
  if (!app?.clientSecret) throw new Error('the simulator created the tenant without an app secret');
  await composition().provisioning.registerTenant({
    id: created.id,
    displayName: `Compliance bench ${label}`,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
  });
  return created.id;
}
