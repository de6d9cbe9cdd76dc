import { type TokenCredential } from '@azure/core-auth';
import { SecretClient } from '@azure/keyvault-secrets';
import { NotFoundError } from '../errors';
import { type DependencyProbe } from '../health/check';
import { pipelineTls, type TrustedTls } from './tls';

/** Reads a secret's current value; a secret without a value is as good as missing. */
export interface SecretReader {
  getSecret(name: string): Promise<string>;
}

/**
 * A Key Vault secrets client. The SDK checks that the vault's host lies under the domain its auth challenge names
 * (`vault.azure.net`), which a loopback address never does; a token sent to loopback does not leave the machine, so
 * for loopback vaults only that check is off. Every other host keeps it.
 */
export function createSecretClient(
  vaultUrl: string,
  credential: TokenCredential,
  tls: TrustedTls | undefined,
): SecretClient {
  return new SecretClient(vaultUrl, credential, {
    ...pipelineTls(tls),
    disableChallengeResourceVerification: isLoopback(new URL(vaultUrl).hostname),
  });
}

export function secretReader(client: SecretClient): SecretReader {
  return {
    getSecret: async (name) => {
      const secret = await client.getSecret(name);
      if (secret.value === undefined) throw new NotFoundError(`Key Vault secret ${name} has no value.`);
      return secret.value;
    },
  };
}

/** Listing one secret's properties is authenticated and authorised, and reads no secret value. */
export function keyVaultProbe(secrets: SecretClient): DependencyProbe {
  return {
    name: 'keyVault',
    check: async (signal) => {
      await secrets.listPropertiesOfSecrets({ abortSignal: signal }).byPage({ maxPageSize: 1 }).next();
    },
  };
}

function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}
