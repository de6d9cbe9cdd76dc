/**
 * Service throttling per tenant per app, on sliding windows of REAL time: an app that sleeps for
 * `Retry-After` seconds must find the window freed even when the scenario clock is virtual and stands still.
 * A window also frees once its length has passed on the scenario clock: a service whose minute-long window is
 * still full after a simulated day is no service at all, and an app that comes back on a durable timer (which a
 * virtual clock runs in no real time) must find it freed as it would in Azure.
 */
import { type ApiSurface } from './contract';

export interface ThrottleLimit {
  windowMs: number;
  max: number;
  /** Counts only requests to routes flagged `write` (Intune's separate write limit). */
  writesOnly?: boolean;
}

/**
 * Which limits a request falls under:
 * - `intune`: Graph `/deviceManagement/**` and `/deviceAppManagement/**` (1,000 requests and 100 writes per 20 s);
 * - `graph`: the rest of Graph (directory, licences; generous);
 * - `defenderAvInfo`: Defender `/deviceavinfo` (30 per minute, 1,000 per hour);
 * - `defender`: the rest of Defender (machines, actions: 100 per minute, 1,500 per hour).
 */
export type ThrottleBucket = 'intune' | 'graph' | 'defender' | 'defenderAvInfo';

export interface ThrottleSettings {
  enabled: boolean;
  limits: Record<ThrottleBucket, ThrottleLimit[]>;
}

export type ThrottleSettingsPatch = {
  enabled?: boolean;
  limits?: Partial<Record<ThrottleBucket, ThrottleLimit[]>>;
};

export const defaultThrottleLimits: Readonly<Record<ThrottleBucket, ThrottleLimit[]>> = {
  intune: [
    { windowMs: 20_000, max: 1000 },
    { windowMs: 20_000, max: 100, writesOnly: true },
  ],
  graph: [{ windowMs: 10_000, max: 3000 }],
  defender: [
    { windowMs: 60_000, max: 100 },
    { windowMs: 3_600_000, max: 1500 },
  ],
  defenderAvInfo: [
    { windowMs: 60_000, max: 30 },
    { windowMs: 3_600_000, max: 1000 },
  ],
};

export function bucketOf(surface: ApiSurface, path: string): ThrottleBucket {
  const lower = path.toLowerCase();
  if (surface === 'defender') return lower.startsWith('/deviceavinfo') ? 'defenderAvInfo' : 'defender';
  return lower.startsWith('/devicemanagement') || lower.startsWith('/deviceappmanagement')
    ? 'intune'
    : 'graph';
}

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** When a request was admitted: real time, and the scenario's time. */
interface Instant {
  real: number;
  scenario: number;
}

/** Accepted requests' times per window, oldest first; rejected requests do not use up the window. */
class SlidingWindow {
  private readonly times: Instant[] = [];
  private head = 0;

  constructor(readonly limit: ThrottleLimit) {}

  /** Real milliseconds until a slot frees (what a caller sleeping on Retry-After needs), or 0 when one is free now. */
  waitMs(now: Instant): number {
    this.evict(now);
    if (this.times.length - this.head < this.limit.max) return 0;
    return (this.times[this.head] as Instant).real + this.limit.windowMs - now.real;
  }

  record(now: Instant): void {
    this.times.push(now);
  }

  /** Both clocks only move forward, so the oldest request is the oldest on either: it leaves first. */
  private evict(now: Instant): void {
    const { windowMs } = this.limit;
    const left = (at: Instant) => at.real <= now.real - windowMs || at.scenario <= now.scenario - windowMs;
    while (this.head < this.times.length && left(this.times[this.head] as Instant)) this.head++;
    // Compact now and then instead of shifting on every request.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
  }
}

export class Throttler {
  private readonly settingsByTenant = new Map<string, ThrottleSettings>();
  private readonly windows = new Map<string, SlidingWindow[]>();

  constructor(
    private defaults: ThrottleSettings = { enabled: true, limits: { ...defaultThrottleLimits } },
    private readonly realNow: () => number = () => performance.now(),
    /** The scenario's clock; by default real time too. */
    private readonly scenarioNow: () => number = realNow,
  ) {}

  /** Changes the settings of every tenant without its own (and the base of later per-tenant patches). */
  configureDefaults(patch: ThrottleSettingsPatch): ThrottleSettings {
    this.defaults = merge(this.defaults, patch);
    this.windows.clear();
    return this.defaults;
  }

  configureTenant(tenantId: string, patch: ThrottleSettingsPatch): ThrottleSettings {
    const settings = merge(this.settings(tenantId), patch);
    this.settingsByTenant.set(tenantId, settings);
    for (const key of [...this.windows.keys()]) if (key.startsWith(`${tenantId}|`)) this.windows.delete(key);
    return settings;
  }

  defaultSettings(): ThrottleSettings {
    return this.defaults;
  }

  settings(tenantId: string): ThrottleSettings {
    return this.settingsByTenant.get(tenantId) ?? this.defaults;
  }

  /** Admits the request (recording it) or says how long to wait. */
  admit(tenantId: string, appId: string, bucket: ThrottleBucket, isWrite: boolean): ThrottleDecision {
    const settings = this.settings(tenantId);
    if (!settings.enabled) return { allowed: true };
    const key = `${tenantId}|${appId}|${bucket}`;
    let windows = this.windows.get(key);
    if (!windows) {
      windows = settings.limits[bucket].map((limit) => new SlidingWindow(limit));
      this.windows.set(key, windows);
    }
    const applicable = windows.filter((window) => isWrite || !window.limit.writesOnly);
    const now = { real: this.realNow(), scenario: this.scenarioNow() };
    const waitMs = Math.max(0, ...applicable.map((window) => window.waitMs(now)));
    if (waitMs > 0) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    for (const window of applicable) window.record(now);
    return { allowed: true };
  }
}

function merge(base: ThrottleSettings, patch: ThrottleSettingsPatch): ThrottleSettings {
  return { enabled: patch.enabled ?? base.enabled, limits: { ...base.limits, ...patch.limits } };
}
