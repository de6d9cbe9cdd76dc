/** One measured variant of a benchmark, e.g. "sequential" or "20 in flight". */
export interface Measurement {
  label: string;
  operations: number;
  ms: number;
  /** What the throughput alone does not tell (outcomes, calls made, errors met), printed under the line. */
  details?: string;
}

export interface Benchmark {
  name: string;
  /** Runs every variant in one process, side by side, so the numbers compare like with like. */
  run(): Promise<Measurement[]>;
}

/** Runs `operation(i)` for i in [0, count) with at most `inFlight` running at once; returns the elapsed ms. */
export async function timed(
  count: number,
  inFlight: number,
  operation: (i: number) => Promise<unknown>,
): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await operation(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
  return performance.now() - started;
}

export function perSecond(m: Measurement): number {
  return (m.operations / m.ms) * 1000;
}
