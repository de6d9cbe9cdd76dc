import { type Benchmark, type Measurement, WallClock } from '@mds/platform-kit';
import { startStack } from '../stack';
import { resetComposition } from '../../../shared/composition';
import { addBenchTenant, childMeasurer } from './child-runs';

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
      const measured = childMeasurer(sim, stack.settings, 'compliance-sweep.js', [
        '--max-old-space-size=2048',
      ]);
      const medium = await addBenchTenant(sim, 'compliance', 'medium', mediumTenant);
      const big = await addBenchTenant(sim, 'compliance', 'big', bigTenant);
      const windowAt = new Date().toISOString();
      const mediumSweep = await measured<ChildResult>(medium, ['sweep', medium, windowAt]);
      const bigSweep = await measured<ChildResult>(big, ['sweep', big, windowAt]);
      const perDevice = await measured<ChildResult>(medium, ['perDevice', medium, String(perDeviceSample)]);
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
          `; per-device reads of ${mediumTenant / 1000}k would take ${perDeviceCalls.toFixed(0)} calls: ${(perDeviceCalls / mediumSweep.calls).toFixed(0)}× fewer; by route: ${byRoute(mediumSweep.byRoute)}`,
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

/** The simulator's request counts by route, largest first. */
function byRoute(requests: Record<string, number>): string {
  return Object.entries(requests)
    .sort(([, a], [, b]) => b - a)
    .map(([route, count]) => `${route} ${count}`)
    .join(', ');
}
