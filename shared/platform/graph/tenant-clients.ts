import { type TokenCredential } from '@azure/core-auth';
import { ClientSecretCredential } from '@azure/identity';
import pLimit from 'p-limit';
import { type TenantRecord } from '../../domain/tenant';
import { type SecretReader } from '../keyvault';
import { pipelineTls, type TlsOptions } from '../tls';
import { TtlCache } from '../ttl-cache';
import { ApiClient } from './api-client';
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
  tuning: RetryTuning;
  maxRetries: number;
  timeoutMs: number;
  /** How long a checked-out credential is reused before Key Vault is read again (rotation takes effect then). */
  credentialTtlMs: number;
}

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

  constructor(
    private readonly settings: TenantClientSettings,
    private readonly secrets: SecretReader,
    now: () => number = Date.now,
  ) {
    this.cache = new TtlCache(settings.credentialTtlMs, 10_000, now);
  }

  forTenant(tenant: TenantRecord): Promise<TenantApis> {
    return this.cache.get(tenant.id, async () => {
      const credential = await this.credentialFor(tenant);
      return {
        graph: this.client('graph', tenant.id, this.settings.graphBaseUrl, graphScope, credential),
        defender: this.client(
          'defender',
          tenant.id,
          this.settings.defenderBaseUrl,
          defenderScope,
          credential,
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
  ): ApiClient {
    const key = `${dependency}:${tenantId}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = pLimit(this.settings.maxInFlight);
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
      ...pipelineTls(this.settings.tlsOptions),
    });
  }
}
