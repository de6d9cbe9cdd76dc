import { type Benchmark, perSecond } from '@mds/platform-kit';
import { serviceBusThroughput } from '@mds/servicebus-broker';
import { auditTrail } from './audit';
import { consoleLoad } from './console';
import { complianceSweeps } from './compliance';
import { complianceEvaluation } from './compliance-evaluation';
import { cosmosUpserts } from './cosmos-upserts';
import { onboardingBurst } from './onboarding';
import { operatorAuthentication } from './operator-auth';
import { telemetryPulls } from './telemetry';
import { provisioningRuns } from './provisioning';

/** `npm run bench`: each benchmark's variants side by side, with their throughput relative to the first variant. */
const benchmarks: Benchmark[] = [
  cosmosUpserts,
  serviceBusThroughput,
  onboardingBurst,
  auditTrail,
  operatorAuthentication,
  telemetryPulls,
  consoleLoad,
  complianceSweeps,
  provisioningRuns,
  complianceEvaluation,
];
const labelWidth = 20;

async function main(): Promise<void> {
  // `npm run bench -- <word>` (or BENCH_ONLY=<word>) runs only the benchmarks whose name contains the word.
  const only = (process.argv[2] ?? process.env.BENCH_ONLY)?.toLowerCase();
  for (const benchmark of benchmarks.filter((b) => !only || b.name.toLowerCase().includes(only))) {
    const measurements = await benchmark.run();
    const baseline = measurements[0];
    console.log(`\n${benchmark.name}`);
    for (const m of measurements) {
      const ratio = baseline ? perSecond(m) / perSecond(baseline) : 1;
      console.log(
        `  ${m.label.padEnd(labelWidth)} ${String(m.operations).padStart(6)} ops  ${m.ms.toFixed(0).padStart(6)} ms  ` +
          `${rate(perSecond(m)).padStart(6)} ops/s  ×${ratio.toFixed(2)}`,
      );
      if (m.details) console.log(`  ${' '.repeat(labelWidth)} ${m.details}`);
    }
  }
}

/** Slow benchmarks (a few operations a second) keep a decimal so that their rates still compare. */
function rate(perSec: number): string {
  return perSec < 100 ? perSec.toFixed(1) : perSec.toFixed(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
