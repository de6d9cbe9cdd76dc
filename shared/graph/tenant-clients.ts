import { type TokenCredential } from '@azure/core-auth';
import { ClientSecretCredential } from '@azure/identity';
import { type TenantRecord } from '../domain/tenant';
import { ApiClient } from './api-client';
import { ConcurrencyLimiter } from './limiter';
import { type RetryTuning } from './retry-strategy';

/** Reads a secret's current value; the Key Vault adapter implements it. */
export interface SecretReader {
  getSecret(name: string): Promise<string>;
}

export interface TenantApis {
  graph: ApiClient;
  defender: ApiClient;
}

export interface TenantClientSettings {
  authorityHost: string;
  graphBaseUrl: string;
  defenderBaseUrl: string;
  trustedCa?: string | string[];
  /** Calls in flight per tenant and service. */
  maxInFlight: number;
  tuning: RetryTuning;
  maxRetries: number;
  timeoutMs: number;
  /** How long a checked-out credential is reused before Key Vault is read again (rotation takes effect then). */
  credentialTtlMs: number;
}

export const graphScope = 'https://graph.microsoft.com/.default';
export const defenderScope = 'https://api.securitycenter.microsoft.com/.default';

interface CachedApis {
  apis: TenantApis;
  expiresAt: number;
}

/**
 * Graph and Defender clients per tenant, authenticated as the tenant's app registration. Its credentials are checked
 * out of Key Vault just in time and kept in memory only for `credentialTtlMs`; the limiters outlive credential
 * refreshes so that one tenant never has more than `maxInFlight` calls per service in flight.
 */
export class TenantClients {
  private readonly cache = new Map<string, CachedApis>();
  private readonly limiters = new Map<string, ConcurrencyLimiter>();

  constructor(
    private readonly settings: TenantClientSettings,
    private readonly secrets: SecretReader,
    private readonly now: () => number = Date.now,
  ) {}

  async forTenant(tenant: TenantRecord): Promise<TenantApis> {
    const cached = this.cache.get(tenant.id);
    if (cached && cached.expiresAt > this.now()) return cached.apis;
    const credential = await this.credentialFor(tenant);
    const apis = {
      graph: this.client('graph', tenant.id, this.settings.graphBaseUrl, graphScope, credential),
      defender: this.client('defender', tenant.id, this.settings.defenderBaseUrl, defenderScope, credential),
    };
    this.cache.set(tenant.id, { apis, expiresAt: this.now() + this.settings.credentialTtlMs });
    return apis;
  }

  private async credentialFor(tenant: TenantRecord): Promise<TokenCredential> {
    const [clientId, clientSecret] = await Promise.all([
      this.secrets.getSecret(tenant.secretNames.graphClientId),
      this.secrets.getSecret(tenant.secretNames.graphClientSecret),
    ]);
    return new ClientSecretCredential(tenant.id, clientId, clientSecret, {
      authorityHost: this.settings.authorityHost,
      disableInstanceDiscovery: true,
      ...(this.settings.trustedCa ? { tlsOptions: { ca: this.settings.trustedCa } } : {}),
    });
  }

  private client(
    dependency: string,
    tenantId: string,
    baseUrl: string,
    scope: string,
    credential: TokenCredential,
  ): ApiClient {
    const key = `${dependency}:${tenantId}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = new ConcurrencyLimiter(this.settings.maxInFlight);
      this.limiters.set(key, limiter);
    }
    return new ApiClient({
      dependency,
      baseUrl,
      credential,
      scope,
      limiter,
      tuning: this.settings.tuning,
      maxRetries: this.settings.maxRetries,
      timeoutMs: this.settings.timeoutMs,
      ...(this.settings.trustedCa ? { trustedCa: this.settings.trustedCa } : {}),
    });
  }
}
