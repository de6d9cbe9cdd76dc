import { secretNames } from '../secrets/secret-names';

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
  const cache = new Map<string, { value: string | undefined; expiresAt: number }>();
  return async (source) => {
    const cached = cache.get(source);
    if (cached && cached.expiresAt > now()) return cached.value;
    let value: string | undefined;
    try {
      value = (await client.getSecret(secretNames.autopilotWebhookSecret(source))).value;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
    cache.set(source, { value, expiresAt: now() + ttlMs });
    return value;
  };
}
