import { type HttpHandler } from '@azure/functions';
import { TtlCache } from '../platform/ttl-cache';
import { type ResidencyReport } from '../platform/residency';
import { checkHealth, type DependencyProbe, type HealthReport } from './check';

export interface HealthSources {
  version: string;
  probes(): DependencyProbe[];
  /** Whether every store is in the US (shared/platform/residency.ts). */
  residency?: () => Promise<ResidencyReport>;
}

/** How long one report answers every caller: anonymous calls cannot turn into a stream of dependency reads. */
export const healthReportTtlMs = 5_000;

/**
 * Anonymous liveness and dependency report. It answers 200 whenever the app itself runs, so a platform probe
 * does not restart a healthy worker because a dependency is down; `status` says whether every dependency answered.
 * The report is kept for `healthReportTtlMs`, and calls that arrive while it is being made share it.
 */
export function healthHandler(sources: HealthSources, now: () => number = Date.now): HttpHandler {
  const cache = new TtlCache<'report', HealthReport>(healthReportTtlMs, 1, now);
  return async () => {
    const report = await cache.get('report', async () => {
      const [health, residency] = await Promise.all([
        checkHealth(sources.probes(), sources.version),
        sources.residency?.().catch(() => undefined),
      ]);
      if (!sources.residency) return health;
      // A store outside the US (or a region that could not be read) is said here, as start-up refused on it.
      const ok = residency?.ok === true;
      return {
        ...health,
        status: ok ? health.status : 'degraded',
        residency: residency ?? { ok: false, stores: [], error: 'the Cosmos DB account could not be read' },
      };
    });
    return { status: 200, jsonBody: report, headers: { 'cache-control': 'no-store' } };
  };
}
