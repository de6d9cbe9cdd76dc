/** A dependency the app can check without side effects: reachable, authenticated, resource present. */
export interface DependencyProbe {
  name: string;
  check(signal: AbortSignal): Promise<void>;
}

export type DependencyState = 'reachable' | 'unreachable' | 'timeout';

export interface HealthReport {
  status: 'healthy' | 'degraded';
  version: string;
  dependencies: Record<string, { state: DependencyState; latencyMs: number; error?: string }>;
  /** Where each store is, and whether all are in the US. */
  residency?: {
    ok: boolean;
    stores: { store: string; source: string; region?: string | undefined; inUs: boolean }[];
    error?: string;
  };
}

/**
 * Probes every dependency in parallel, each bounded by `timeoutMs`. Error text is reduced to its first line and
 * stripped of anything that looks like a key or connection string, because health is served anonymously.
 */
export async function checkHealth(
  probes: DependencyProbe[],
  version: string,
  timeoutMs = 3000,
): Promise<HealthReport> {
  const results = await Promise.all(probes.map((probe) => runProbe(probe, timeoutMs)));
  const dependencies = Object.fromEntries(results);
  const healthy = results.every(([, r]) => r.state === 'reachable');
  return { status: healthy ? 'healthy' : 'degraded', version, dependencies };
}

async function runProbe(
  probe: DependencyProbe,
  timeoutMs: number,
): Promise<[string, HealthReport['dependencies'][string]]> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve('timeout');
    }, timeoutMs);
  });
  try {
    const outcome = await Promise.race([probe.check(controller.signal).then(() => 'ok' as const), timedOut]);
    const latencyMs = Math.round(performance.now() - started);
    return [
      probe.name,
      outcome === 'ok' ? { state: 'reachable', latencyMs } : { state: 'timeout', latencyMs },
    ];
  } catch (error) {
    return [
      probe.name,
      {
        state: 'unreachable',
        latencyMs: Math.round(performance.now() - started),
        error: describeSafely(error),
      },
    ];
  } finally {
    clearTimeout(timer);
  }
}

const secretLike = /(AccountKey|SharedAccessKey|AccessKey|Signature|sig|key|token|password)=[^;&\s]+/gi;

export function describeSafely(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return (text.split('\n')[0] ?? '').replace(secretLike, '$1=***').slice(0, 200);
}
