import { DependencyUnavailableError } from '../../errors';
import { secretNames } from '../../platform/secret-names';
import { TtlCache } from '../../platform/ttl-cache';

const ttlMs = 5 * 60_000;

/**
 * The HMAC key of each webhook source, read from Key Vault and kept for five minutes, so that a burst of deliveries
 * costs one Key Vault read and a rotated key takes effect within minutes. Only the sources named in settings
 * (`WEBHOOK_SOURCES`) are ever looked up: any other `x-mds-source` is unknown without a Key Vault read, so forged
 * deliveries cost the vault nothing and the cache holds at most one entry per allowed source. A vault that fails
 * (other than "no such secret") is a dependency outage, answered 503 so that the sender retries.
 */
export function webhookSecretReader(
  client: { getSecret(name: string): Promise<{ value?: string }> },
  allowedSources: readonly string[],
  now: () => number = Date.now,
): (source: string) => Promise<string | undefined> {
  const allowed = new Set(allowedSources);
  const cache = new TtlCache<string, string | undefined>(ttlMs, Math.max(1, allowed.size), now);
  return async (source) => {
    if (!allowed.has(source)) return undefined;
    return cache.get(source, async () => {
      try {
        return (await client.getSecret(secretNames.autopilotWebhookSecret(source))).value;
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw new DependencyUnavailableError(
          `Key Vault is unavailable: the secret of webhook source ${source} could not be read.`,
          'keyVault',
          { cause: error },
        );
      }
    });
  };
}
