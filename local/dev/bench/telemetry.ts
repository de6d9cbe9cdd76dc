import { type Benchmark, type Measurement, WallClock } from '@mds/platform-kit';
import { startStack } from '../stack';
import { resetComposition } from '../../../shared/composition';
import { addBenchTenant, childMeasurer } from './child-runs';

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
      // The same heap cap for every measurement: V8 otherwise grows its heap with the garbage a long pull makes,
      // and peak RSS would measure the collector's laziness rather than what the pull holds. A pull that held
      // O(devices) would fail under the cap instead of passing.
      const measured = childMeasurer(sim, stack.settings, 'telemetry-pull.js', [
        `--max-old-space-size=${heapCapMb}`,
      ]);
      const big = await addBenchTenant(sim, 'telemetry', 'big', bigTenant, exportsAtOnce);
      const small = await addBenchTenant(sim, 'telemetry', 'small', smallTenant, exportsAtOnce);
      const now = new Date().toISOString();
      const first = await measured<ChildResult>(big, ['bulk', big, 'bench:first', now]);
      sim.world.installQualityUpdate(big, Math.round(bigTenant * changedShare));
      const second = await measured<ChildResult>(big, ['bulk', big, 'bench:second', now]);
      const smallPull = await measured<ChildResult>(small, ['bulk', small, 'bench:small', now]);
      const perDevice = await measured<ChildResult>(big, ['perDevice', big, String(perDeviceSample)]);

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

/** Exports finish at once: the bench measures the app, not Intune's queue. */
const exportsAtOnce = { lifecycle: { exportStartMs: 0, exportCompleteMs: 0 } };
