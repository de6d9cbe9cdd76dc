import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Benchmark, type Measurement, WallClock } from '@mds/platform-kit';
import { type TenantSimHandle, allPermissions } from '@mds/tenant-sim';
import { startStack } from '../stack';
import { composition, resetComposition } from '../../../shared/composition';

const run = promisify(execFile);
const bigTenant = 100_000;
const smallTenant = 1_000;
const perDeviceSample = 1_000;
/** Devices changed between the first and the second pull of the big tenant. */
const changedShare = 0.01;
const heapCapMb = 96;

interface ChildResult {
  ms: number;
  peakRssMb: number;
  rows?: number;
  changed?: number;
  devices?: number;
}

/**
 * Telemetry: a 100,000-device tenant pulled in bulk (inventory pages and a DefenderAgents export), a second pull
 * after 1 % of its devices changed, a 1,000-device tenant pulled the same way, and a per-device pull of 1,000
 * devices of the big tenant (one device read and its protection state each, as scripts do). Each measurement runs
 * in a child process, so its peak RSS is the pull's alone; the stack and the simulator stay in this process, whose
 * counters give the Graph calls and 429s of each measurement.
 */
export const telemetryPulls: Benchmark = {
  name: `Telemetry: bulk pulls of ${bigTenant.toLocaleString('en')} and ${smallTenant.toLocaleString('en')} devices vs a per-device pull (each in a child process)`,
  run: async () => {
    const stack = await startStack({ clock: new WallClock(), ports: 'ephemeral' });
    try {
      const sim = stack.tenantSimulator;
      if (!sim) throw new Error('the stack started without its tenant simulator');
      Object.assign(process.env, stack.settings);
      const env = { ...process.env, ...stack.settings };
      const child = async (args: string[]): Promise<ChildResult> => {
        // The same heap cap for every measurement: V8 otherwise grows its heap with the garbage a long pull makes,
        // and peak RSS would measure the collector's laziness rather than what the pull holds. A pull that held
        // O(devices) would fail under the cap instead of passing.
        const node = [`--max-old-space-size=${heapCapMb}`, join(__dirname, 'telemetry-pull.js'), ...args];
        const { stdout } = await run(process.execPath, node, {
          env,
          maxBuffer: 1024 * 1024,
        });
        return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as ChildResult;
      };
      const big = await addTenant(sim, 'big', bigTenant);
      const small = await addTenant(sim, 'small', smallTenant);
      const measured = async (tenantId: string, args: string[]) => {
        sim.control.resetCounters(tenantId);
        const result = await child(args);
        const counters = sim.control.counterValues(tenantId);
        const calls = Object.values(counters.requests).reduce((sum, n) => sum + n, 0);
        return { ...result, calls, throttled: counters.throttled };
      };
      const now = new Date().toISOString();
      const first = await measured(big, ['bulk', big, 'bench:first', now]);
      sim.world.installQualityUpdate(big, Math.round(bigTenant * changedShare));
      const second = await measured(big, ['bulk', big, 'bench:second', now]);
      const smallPull = await measured(small, ['bulk', small, 'bench:small', now]);
      const perDevice = await measured(big, ['perDevice', big, String(perDeviceSample)]);

      const perDeviceCalls = perDevice.calls / perDeviceSample;
      const bulkCalls = first.calls / bigTenant;
      const line = (label: string, devices: number, r: typeof first, extra = ''): Measurement => ({
        label,
        operations: devices,
        ms: r.ms,
        details:
          `Graph calls ${r.calls} (${(r.calls / devices).toFixed(4)}/device), 429s ${r.throttled}, peak RSS ${r.peakRssMb.toFixed(0)} MB` +
          (r.changed === undefined ? '' : `, Cosmos writes ${r.changed} of ${r.rows} rows`) +
          extra,
      });
      return [
        line(
          `bulk ${bigTenant / 1000}k`,
          bigTenant,
          first,
          `; ${(perDeviceCalls / bulkCalls).toFixed(0)}× fewer calls per device than per-device; RSS ×${(first.peakRssMb / smallPull.peakRssMb).toFixed(2)} of the ${smallTenant / 1000}k pull`,
        ),
        line(
          `bulk ${bigTenant / 1000}k, 1% new`,
          bigTenant,
          second,
          `; writes ${(((second.changed ?? 0) / Math.max(1, first.changed ?? 0)) * 100).toFixed(2)} % of the first pull's`,
        ),
        line(`bulk ${smallTenant / 1000}k`, smallTenant, smallPull),
        line(`per-device ${perDeviceSample / 1000}k`, perDeviceSample, perDevice),
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
    displayName: `Telemetry bench ${label}`,
    domain: `telemetry-${label}-${suffix}.onmicrosoft.com`,
    seed: `telemetry-${label}-${suffix}`,
    deviceCount: count,
    e5: { enabled: 10, consumed: 0 },
    apps: [{ permissions: [...allPermissions] }],
    // Exports finish at once: the bench measures the app, not Intune's queue.
    lifecycle: { exportStartMs: 0, exportCompleteMs: 0 },
  });
  const app = created.apps[0];
  if (!app?.clientSecret) throw new Error('the simulator created the tenant without an app secret');
  await composition().provisioning.registerTenant({
    id: created.id,
    displayName: `Telemetry bench ${label}`,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
  });
  return created.id;
}
