/**
 * Per-tenant request accounting, so tests and benchmarks can assert how an app used the APIs
 * (e.g. "a sweep of 10,000 devices took 10 list calls and no single-device reads").
 */
export interface TenantCounters {
  /** Requests by `METHOD surface pattern`, e.g. `GET graph-v1.0 /deviceManagement/managedDevices`. */
  requests: Record<string, number>;
  /** 429s sent (throttling and injected bursts). */
  throttled: number;
  /** The same 429s by surface (`graph-v1.0`, `graph-beta`, `defender`). */
  throttledBySurface: Record<string, number>;
  /** Injected 5xx answers. */
  faults: number;
  /** Requests that passed throttling on routes flagged `write`. */
  writes: number;
  /** Access tokens issued (app tokens from the token endpoint and operator tokens). */
  tokensIssued: number;
}

export class Counters {
  private readonly byTenant = new Map<string, TenantCounters>();

  request(tenantId: string, key: string): void {
    const counters = this.of(tenantId);
    counters.requests[key] = (counters.requests[key] ?? 0) + 1;
  }

  throttled(tenantId: string, surface?: string): void {
    const counters = this.of(tenantId);
    counters.throttled++;
    if (surface) counters.throttledBySurface[surface] = (counters.throttledBySurface[surface] ?? 0) + 1;
  }

  fault(tenantId: string): void {
    this.of(tenantId).faults++;
  }

  write(tenantId: string): void {
    this.of(tenantId).writes++;
  }

  tokenIssued(tenantId: string): void {
    this.of(tenantId).tokensIssued++;
  }

  /** A copy, so a caller can compare snapshots. */
  read(tenantId: string): TenantCounters {
    const counters = this.of(tenantId);
    return {
      ...counters,
      requests: { ...counters.requests },
      throttledBySurface: { ...counters.throttledBySurface },
    };
  }

  readAll(): Record<string, TenantCounters> {
    return Object.fromEntries([...this.byTenant.keys()].map((tenantId) => [tenantId, this.read(tenantId)]));
  }

  /** Resets one tenant, or all when `tenantId` is absent. */
  reset(tenantId?: string): void {
    if (tenantId === undefined) this.byTenant.clear();
    else this.byTenant.delete(tenantId);
  }

  private of(tenantId: string): TenantCounters {
    let counters = this.byTenant.get(tenantId);
    if (!counters) {
      counters = {
        requests: {},
        throttled: 0,
        throttledBySurface: {},
        faults: 0,
        writes: 0,
        tokensIssued: 0,
      };
      this.byTenant.set(tenantId, counters);
    }
    return counters;
  }
}
