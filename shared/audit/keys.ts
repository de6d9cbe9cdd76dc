import { DependencyUnavailableError, isRetryable, NotFoundError } from '../errors';
import { type SecretReader } from '../platform/keyvault';
import { secretNames } from '../platform/secret-names';
import { TtlCache } from '../platform/ttl-cache';
import { type AuditEnvironment } from './contract';
import { type SigningKey, signingKeyFromPem } from './chain';

/** The audit keys of the operator environment, read from Key Vault and kept in memory for a while. */
export interface AuditKeys {
  /** The key a sink hashes the other environment's personal data with: a different one per sink. */
  hashKey(sink: AuditEnvironment): Promise<Buffer>;
  signingKey(): Promise<SigningKey>;
}

const hashKeyNames: Record<AuditEnvironment, string> = {
  operator: secretNames.auditPseudonymKey,
  customer: secretNames.auditOperatorAliasKey,
};

export function keyVaultAuditKeys(secrets: SecretReader, ttlMs = 10 * 60_000): AuditKeys {
  const cache = new TtlCache<string, string>(ttlMs, 16);
  const read = (name: string) =>
    cache.get(name, async () => {
      try {
        return await secrets.getSecret(name);
      } catch (error) {
        if (isRetryable(error)) throw error;
        // A missing key is a deployment fault; delivery waits for it rather than writing unprotected records.
        if (error instanceof NotFoundError || (error as { statusCode?: number }).statusCode === 404)
          throw new DependencyUnavailableError(`Audit key ${name} is not in Key Vault.`, 'keyVault', {
            cause: error,
          });
        throw new DependencyUnavailableError(`Audit key ${name} could not be read.`, 'keyVault', {
          cause: error,
        });
      }
    });
  const signing = new TtlCache<string, SigningKey>(ttlMs, 1);
  return {
    hashKey: async (sink) => {
      const key = Buffer.from(await read(hashKeyNames[sink]), 'base64');
      if (key.length < 32)
        throw new DependencyUnavailableError(`Audit key of the ${sink} sink is too short.`, 'keyVault');
      return key;
    },
    signingKey: () =>
      signing.get('signing', async () =>
        signingKeyFromPem(await read(secretNames.auditCheckpointSigningKey)),
      ),
  };
}
