/**
 * Injected trouble per tenant: added latency, a rate of 5xx answers, and bursts of 429s. Random choices come
 * from a seeded generator, so a test that sends the same requests in the same order sees the same faults.
 */
import { mulberry32 } from '@mds/platform-kit';
import { type ApiSurface, type SimResponse } from './contract';
import { surfaceError } from './errors';

export type FaultStatus = 500 | 502 | 503 | 504;

export interface FaultSettings {
  /** Seed of the random choices (latency jitter, which requests fail). Default 1. */
  seed?: number;
  /** Delay before answering: `fixedMs` plus a uniform 0..`jitterMs`. */
  latency?: { fixedMs?: number; jitterMs?: number };
  /** Fraction (0..1) of requests answered with one of `statuses` (default [503]); 503s carry `retryAfterSeconds`. */
  errors?: { rate: number; statuses?: FaultStatus[]; retryAfterSeconds?: number };
  /** The next `count` requests are answered 429 with `Retry-After: retryAfterSeconds` (default 1). */
  throttleBurst?: { count: number; retryAfterSeconds?: number };
  /** Restricts the faults (not the latency) to matching requests; absent fields match anything. */
  match?: { surfaces?: ApiSurface[]; method?: string; pathPrefix?: string };
}

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'throttle'; retryAfterSeconds: number }
  | { kind: 'error'; status: FaultStatus; retryAfterSeconds?: number };

const errorCodes: Record<FaultStatus, [string, string]> = {
  500: ['InternalServerError', 'An internal server error occurred.'],
  502: ['BadGateway', 'The server received an invalid response from the upstream server.'],
  503: ['ServiceUnavailable', 'Service is temporarily unavailable. Please try again later.'],
  504: ['GatewayTimeout', 'The operation timed out.'],
};

interface TenantFaults {
  settings: FaultSettings;
  random: () => number;
  burstLeft: number;
}

export class FaultInjector {
  private readonly byTenant = new Map<string, TenantFaults>();

  /** Replaces the tenant's fault settings (and restarts its random sequence); `undefined` clears them. */
  configure(tenantId: string, settings: FaultSettings | undefined): void {
    if (!settings) {
      this.byTenant.delete(tenantId);
      return;
    }
    const rate = settings.errors?.rate ?? 0;
    if (!(rate >= 0 && rate <= 1)) throw new RangeError('errors.rate must be between 0 and 1.');
    this.byTenant.set(tenantId, {
      settings,
      random: mulberry32(settings.seed ?? 1),
      burstLeft: settings.throttleBurst?.count ?? 0,
    });
  }

  settings(tenantId: string): FaultSettings | undefined {
    return this.byTenant.get(tenantId)?.settings;
  }

  latencyMs(tenantId: string): number {
    const faults = this.byTenant.get(tenantId);
    const latency = faults?.settings.latency;
    if (!faults || !latency) return 0;
    return (
      (latency.fixedMs ?? 0) + (latency.jitterMs ? Math.floor(faults.random() * (latency.jitterMs + 1)) : 0)
    );
  }

  decide(tenantId: string, request: { surface: ApiSurface; method: string; path: string }): FaultDecision {
    const faults = this.byTenant.get(tenantId);
    if (!faults || !matches(faults.settings.match, request)) return { kind: 'none' };
    if (faults.burstLeft > 0) {
      faults.burstLeft--;
      return { kind: 'throttle', retryAfterSeconds: faults.settings.throttleBurst?.retryAfterSeconds ?? 1 };
    }
    const errors = faults.settings.errors;
    if (!errors || errors.rate <= 0 || faults.random() >= errors.rate) return { kind: 'none' };
    const statuses = errors.statuses?.length ? errors.statuses : [503 as const];
    const status = statuses[Math.floor(faults.random() * statuses.length)] as FaultStatus;
    return status === 503 && errors.retryAfterSeconds !== undefined
      ? { kind: 'error', status, retryAfterSeconds: errors.retryAfterSeconds }
      : { kind: 'error', status };
  }
}

export function faultResponse(
  surface: ApiSurface,
  status: FaultStatus,
  retryAfterSeconds?: number,
): SimResponse {
  const [code, message] = errorCodes[status];
  const response = surfaceError(surface, status, code, message);
  if (retryAfterSeconds !== undefined) response.headers = { 'retry-after': String(retryAfterSeconds) };
  return response;
}

export function throttledResponse(surface: ApiSurface, retryAfterSeconds: number): SimResponse {
  const message =
    surface === 'defender'
      ? `API calls rate limit exceeded. Retry after ${retryAfterSeconds} second(s).`
      : 'Too many requests, please retry later.';
  const response = surfaceError(surface, 429, 'TooManyRequests', message);
  response.headers = { 'retry-after': String(retryAfterSeconds) };
  return response;
}

function matches(
  match: FaultSettings['match'],
  request: { surface: ApiSurface; method: string; path: string },
): boolean {
  if (!match) return true;
  if (match.surfaces && !match.surfaces.includes(request.surface)) return false;
  if (match.method && match.method.toUpperCase() !== request.method) return false;
  if (match.pathPrefix && !request.path.toLowerCase().startsWith(match.pathPrefix.toLowerCase()))
    return false;
  return true;
}
