import { PortInUseError } from '@mds/platform-kit';

/**
 * Records when each part of the stack was ready and how to stop it, so that a failed start stops what did start
 * and leaves no server or child process behind. Parts stop together: none depends on another.
 */
export class Lifecycle {
  private readonly stops: { name: string; stop: () => Promise<void> }[] = [];
  readonly timings: Record<string, number> = {};
  private readonly origin = performance.now();

  /** Runs `start`, records when it finished (ms since the lifecycle began) and registers its `stop`. */
  async start<T extends { stop(): Promise<void> }>(name: string, start: () => Promise<T>): Promise<T> {
    const part = await start();
    this.stops.push({ name, stop: () => part.stop() });
    this.timings[name] = Math.round(performance.now() - this.origin);
    return part;
  }

  /** Like `start` for steps with nothing to stop (provisioning, seeding). */
  async step<T>(name: string, run: () => Promise<T>): Promise<T> {
    const result = await run();
    this.timings[name] = Math.round(performance.now() - this.origin);
    return result;
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.origin);
  }

  /** Stops every registered part, all of them even if some fail; reports the failures together. */
  async stopAll(): Promise<void> {
    const parts = this.stops.splice(0);
    const results = await Promise.allSettled(parts.map((p) => p.stop()));
    const failures = results.flatMap((r, i) =>
      r.status === 'rejected' ? [`${parts[i]?.name}: ${String(r.reason)}`] : [],
    );
    if (failures.length > 0) throw new Error(`Stopping the local stack failed: ${failures.join('; ')}`);
  }
}

/** Parts of the stack found their ports taken (typically by a second `npm start`): one error names them all. */
export class StackPortsInUseError extends Error {
  constructor(readonly taken: readonly PortInUseError[]) {
    super(`Ports already in use: ${taken.map((e) => `${e.serviceName} (${e.host}:${e.port})`).join(', ')}.`);
    this.name = 'StackPortsInUseError';
  }
}

/**
 * Awaits every promise even when one rejects, so that nothing still starting is abandoned mid-way; then rejects
 * with the first failure, or, when ports were taken, with one error that names every part whose port was (what
 * failed after them failed because of them).
 */
export async function allSettledOrThrow<T extends readonly unknown[]>(promises: {
  [K in keyof T]: Promise<T[K]>;
}): Promise<T> {
  const results = await Promise.allSettled(promises);
  // A step that waited on a failed part rejects with the part's own error: count each error once.
  const failures = [
    ...new Set(results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []))),
  ];
  const taken = failures.filter((f): f is PortInUseError => f instanceof PortInUseError);
  const [firstTaken] = taken;
  if (firstTaken) throw taken.length === 1 ? firstTaken : new StackPortsInUseError(taken);
  if (failures.length > 0) throw failures[0] as Error;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
