import { type Benchmark, perSecond } from './benchmark';
import { cosmosUpserts } from './cosmos-upserts';

/** `npm run bench`: each benchmark's variants side by side, with their throughput relative to the first variant. */
const benchmarks: Benchmark[] = [cosmosUpserts];

async function main(): Promise<void> {
  for (const benchmark of benchmarks) {
    const measurements = await benchmark.run();
    const baseline = measurements[0];
    console.log(`\n${benchmark.name}`);
    for (const m of measurements) {
      const ratio = baseline ? perSecond(m) / perSecond(baseline) : 1;
      console.log(
        `  ${m.label.padEnd(16)} ${String(m.operations).padStart(6)} ops  ${m.ms.toFixed(0).padStart(6)} ms  ` +
          `${perSecond(m).toFixed(0).padStart(6)} ops/s  ×${ratio.toFixed(2)}`,
      );
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
