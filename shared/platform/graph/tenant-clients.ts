import { type TokenCredential } from '@azure/core-auth';
import { ClientSecretCredential } from '@azure/identity';
import pLimit from 'p-limit';
import { type TenantRecord } from '../../domain/tenant';
import { type SecretReader } from '../keyvault';
import { pipelineTls, type TlsOptions } from '../tls';
import { TtlCache } from '../ttl-cache';
import { ApiClient, type Limiter } from './api-client';
import { type RetryTuning } from './retry-strategy';

export interface TenantApis {
  graph: ApiClient;
  defender: ApiClient;
}

export interface TenantClientSettings {
  authorityHost: string;
  graphBaseUrl: string;
  defenderBaseUrl: string;
  tlsOptions?: TlsOptions;
  /** Calls in flight per tenant and service. */
  maxInFlight: number;
  /**
   * Of those, how many background work (telemetry) may hold: the rest stay free for onboarding, which matters
   * more than a report.
   */
  backgroundInFlight?: number;
  tuning: RetryTuning;
  maxRetries: number;
  timeoutMs: number;
  /** How long a checked-out credential is reused before Key Vault is read again (rotation takes effect then). */
  credentialTtlMs: number;
}

/**
 * Who is calling: `interactive` work (onboarding) uses the tenant's whole budget; `background` work (telemetry
 * pulls) runs in a lane of `backgroundInFlight` slots inside it, and the whole lane pauses for the Retry-After of
 * any 429 it meets, so it backs off instead of adding to a storm.
 */
export type CallerLane = 'interactive' | 'background';

export const graphScope = 'https://graph.microsoft.com/.default';
export const defenderScope = 'https://api.securitycenter.microsoft.com/.default';

/**
 * Graph and Defender clients per tenant, authenticated as the tenant's app registration. Its credentials are checked
 * out of Key Vault just in time and kept in memory only for `credentialTtlMs`; the limiters outlive credential
 * refreshes so that one tenant never has more than `maxInFlight` calls per service in flight.
 */
export class TenantClients {
  private readonly cache: TtlCache<string, TenantApis>;
  private readonly limiters = new Map<string, pLimit.Limit>();
  private readonly lanes = new Map<string, BackgroundLane>();

  constructor(
    private readonly settings: TenantClientSettings,
    private readonly secrets: SecretReader,
    private readonly now: () => number = Date.now,
  ) {
    this.cache = new TtlCache(settings.credentialTtlMs, 10_000, now);
  }

  forTenant(tenant: TenantRecord, lane: CallerLane = 'interactive'): Promise<TenantApis> {
    return this.cache.get(`${lane}:${tenant.id}`, async () => {
      const credential = await this.credentialFor(tenant);
      return {
        graph: this.client('graph', tenant.id, this.settings.graphBaseUrl, graphScope, credential, lane),
        defender: this.client(
          'defender',
          tenant.id,
          this.settings.defenderBaseUrl,
          defenderScope,
          credential,
          lane,
        ),
      };
    });
  }

  private async credentialFor(tenant: TenantRecord): Promise<TokenCredential> {
    const [clientId, clientSecret] = await Promise.all([
      this.secrets.getSecret(tenant.secretNames.graphClientId),
      this.secrets.getSecret(tenant.secretNames.graphClientSecret),
    ]);
    return new ClientSecretCredential(tenant.id, clientId, clientSecret, {
      authorityHost: this.settings.authorityHost,
      disableInstanceDiscovery: true,
      ...pipelineTls(this.settings.tlsOptions),
    });
  }

  private client(
    dependency: string,
    tenantId: string,
    baseUrl: string,
    scope: string,
    credential: TokenCredential,
    lane: CallerLane,
  ): ApiClient {
    const key = `${dependency}:${tenantId}`;
    let shared = this.limiters.get(key);
    if (!shared) {
      shared = pLimit(this.settings.maxInFlight);
      this.limiters.set(key, shared);
    }
    let background: BackgroundLane | undefined;
    if (lane === 'background') {
      background = this.lanes.get(key);
      if (!background) {
        const slots = Math.max(1, Math.min(this.settings.backgroundInFlight ?? 2, this.settings.maxInFlight));
        background = new BackgroundLane(slots, shared, this.now);
        this.lanes.set(key, background);
      }
    }
    const limiter: Limiter = background ? (call) => background.run(call) : shared;
    return new ApiClient({
      dependency,
      baseUrl,
      credential,
      scope,
      limiter,
      ...(background ? { onThrottled: (waitMs) => background.pause(waitMs) } : {}),
      tuning: this.settings.tuning,
      maxRetries: this.settings.maxRetries,
      timeoutMs: this.settings.timeoutMs,
      ...pipelineTls(this.settings.tlsOptions),
    });
  }
}

/** Without a Retry-After, a 429 pauses the lane this long. */
const defaultPauseMs = 5_000;
const maxPauseMs = 120_000;

/**
 * A few slots of a tenant's budget for background work. Each call waits for a lane slot, then for the lane's pause
 * (set by the last 429 met), then for a slot of the shared limiter.
 */
export class BackgroundLane {
  private readonly slots: pLimit.Limit;
  private pausedUntil = 0;

  constructor(
    size: number,
    private readonly shared: Limiter,
    private readonly now: () => number,
  ) {
    this.slots = pLimit(size);
  }

  run<T>(call: () => Promise<T>): Promise<T> {
    return this.slots(async () => {
      const wait = this.pausedUntil - this.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      return this.shared(call);
    });
  }

  pause(retryAfterMs: number | undefined): void {
    const until = this.now() + Math.min(maxPauseMs, retryAfterMs ?? defaultPauseMs);
    this.pausedUntil = Math.max(this.pausedUntil, until);
  }
}
