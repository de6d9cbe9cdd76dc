import { type HttpHandler } from '@azure/functions';
import { checkHealth, type DependencyProbe } from './check';

export interface HealthSources {
  version: string;
  probes(): DependencyProbe[];
}

/**
 * Anonymous liveness and dependency report. It answers 200 whenever the app itself runs, so a platform probe
 * does not restart a healthy worker because a dependency is down; `status` says whether every dependency answered.
 */
export function healthHandler(sources: HealthSources): HttpHandler {
  return async () => {
    const report = await checkHealth(sources.probes(), sources.version);
    return { status: 200, jsonBody: report, headers: { 'cache-control': 'no-store' } };
  };
}
