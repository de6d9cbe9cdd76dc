import { secretNames } from '../../platform/secret-names';
import { TtlCache } from '../../platform/ttl-cache';

const ttlMs = 5 * 60_000;

/**
 * The HMAC key of each webhook source, read from Key Vault and kept for five minutes, so that a burst of deliveries
 * costs one Key Vault read and a rotated key takes effect within minutes. An unknown source is cached as unknown
 * for the same time, so a flood of forged deliveries cannot flood Key Vault.
 */
export function webhookSecretReader(
  client: { getSecret(name: string): Promise<{ value?: string }> },
  now: () => number = Date.now,
): (source: string) => Promise<string | undefined> {
  const cache = new TtlCache<string, string | undefined>(ttlMs, 1_000, now);
  return (source) =>
    cache.get(source, async () => {
      try {
        return (await client.getSecret(secretNames.autopilotWebhookSecret(source))).value;
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 404) throw error;
        return undefined;
      }
    });
}
