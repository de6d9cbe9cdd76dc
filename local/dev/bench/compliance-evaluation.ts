import { type Benchmark, type Measurement } from '@mds/platform-kit';
import {
  type DeviceFacts,
  type DeviceVerdict,
  type HealthSnapshot,
  type RemediationPlan,
} from '../../../shared/compliance/baseline/contract';
import { evaluateDevice, fleetAccumulator } from '../../../shared/compliance/baseline/evaluate';
import { planRemediations } from '../../../shared/compliance/baseline/remediation';
import { complianceBaseline } from '../../../shared/compliance/baseline/rules';
import { defaultTenantComplianceSettings } from '../../../shared/compliance/baseline/settings';
import { healthSnapshot, healthTransition } from '../../../shared/compliance/baseline/transitions';
import { mixedFleet } from '../compliance-fleet';

const devices = 100_000;
/** A sweep reads and judges a page at a time; the bench builds the facts of one chunk, then times its evaluation. */
const chunk = 5_000;
const tenantId = 'bench-tenant';
const now = Date.parse('2026-12-01T08:00:00Z');
const later = now + 4 * 3_600_000;

interface Timing {
  wallMs: number;
  cpuMs: number;
}

/** Times `work` over every chunk of the fleet, leaving the building of each chunk's facts out of the clock. */
function overFleet(work: (facts: readonly DeviceFacts[], first: number) => void): Timing {
  const timing = { wallMs: 0, cpuMs: 0 };
  for (let first = 0; first < devices; first += chunk) {
    const facts = mixedFleet(tenantId, chunk, now, first + 1, first);
    const cpu = process.cpuUsage();
    const started = performance.now();
    work(facts, first);
    timing.wallMs += performance.now() - started;
    const used = process.cpuUsage(cpu);
    timing.cpuMs += (used.user + used.system) / 1000;
  }
  return timing;
}

function perCpuSecond(timing: Timing): string {
  return `${Math.round((devices / timing.cpuMs) * 1000).toLocaleString('en')} devices per CPU second`;
}

/**
 * Pure baseline evaluation on one core (this process's main thread) over a realistic mixed fleet of 100,000 devices
 * (seeded; ~30 applications each; a few percent failing each rule, 3 % not reporting), judged in chunks of 5,000 as a
 * sweep judges its pages: the verdicts alone, then everything pure a second sweep does per device (verdict, fleet
 * summary, health transition against the first sweep's snapshot, snapshot) and the remediation plan of the fleet.
 * The rate is wall-clock (the line); CPU time is given too, since other processes may share the cores.
 */
export const complianceEvaluation: Benchmark = {
  name: `Compliance: pure baseline evaluation of ${devices.toLocaleString('en')} devices on one core`,
  run: () => {
    const settings = defaultTenantComplianceSettings(tenantId, { test: 0, first: 1, fast: 9, broad: 90 });
    for (const facts of mixedFleet(tenantId, chunk, now))
      evaluateDevice(facts, complianceBaseline, settings, now);

    const counts = { unhealthy: 0, notReporting: 0 };
    const snapshots = new Array<HealthSnapshot | undefined>(devices);
    const verdictsOnly = overFleet((facts, first) => {
      facts.forEach((f, i) => {
        const verdict = evaluateDevice(f, complianceBaseline, settings, now);
        if (verdict.health !== 'healthy') counts[verdict.health]++;
        snapshots[first + i] = healthSnapshot(undefined, verdict);
      });
    });

    const summary = fleetAccumulator(complianceBaseline, settings);
    let changes = 0;
    // With an empty ledger only failing devices can want a remediation: the plan reads those.
    const unhealthy: DeviceVerdict[] = [];
    let plan: RemediationPlan | undefined;
    const sweep = overFleet((facts, first) => {
      facts.forEach((f, i) => {
        const verdict = evaluateDevice(f, complianceBaseline, settings, later);
        summary.add(verdict);
        if (verdict.health === 'unhealthy') unhealthy.push(verdict);
        if (healthTransition(snapshots[first + i], verdict)) changes++;
        snapshots[first + i] = healthSnapshot(snapshots[first + i], verdict);
      });
      if (first + chunk >= devices) {
        plan = planRemediations(
          { tenantId, verdicts: unhealthy, ledger: new Map(), now: later },
          complianceBaseline,
          settings,
        );
      }
    });
    const fleet = summary.summary(later);

    const measurements: Measurement[] = [
      {
        label: 'verdicts',
        operations: devices,
        ms: verdictsOnly.wallMs,
        details:
          `${perCpuSecond(verdictsOnly)}; ${counts.unhealthy} unhealthy, ${counts.notReporting} not reporting; ` +
          'goal ≥ 100,000 devices/s',
      },
      {
        label: 'verdict+fleet+plan',
        operations: devices,
        ms: sweep.wallMs,
        details:
          `${perCpuSecond(sweep)}; ${changes} health changes, fleet alerts: ` +
          `${fleet.alerts.map((a) => a.threshold).join(', ') || 'none'}; ${plan?.actions.length ?? 0} actions ` +
          `planned, ${plan?.deferred ?? 0} deferred over the sweep's budget`,
      },
    ];
    return Promise.resolve(measurements);
  },
};
