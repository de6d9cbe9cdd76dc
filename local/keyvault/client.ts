import type { AccessToken, TokenCredential } from '@azure/identity';
import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets';
import { LOCAL_KEY_VAULT_TOKEN } from './auth';

/** A credential that always hands out `token`; for the stand-in only, which accepts configured static tokens. */
export function staticTokenCredential(token: string): TokenCredential {
  return {
    getToken: (): Promise<AccessToken> =>
      // The SDK caches tokens until shortly before expiry; an hour matches what Entra ID issues.
      Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3600 * 1000 }),
  };
}

/** The credential for a stand-in started with default auth options. */
export function localKeyVaultCredential(): TokenCredential {
  return staticTokenCredential(LOCAL_KEY_VAULT_TOKEN);
}

/**
 * What `SecretClient` needs to talk to the stand-in: trust exactly the stand-in's certificate (the pipeline's
 * `tlsOptions.ca`, no process-wide override), and skip the check that the challenge's resource
 * (vault.azure.net) is a suffix of the vault's host, which 127.0.0.1 never is.
 */
export function localSecretClientOptions(ca: string): SecretClientOptions {
  return { tlsOptions: { ca }, disableChallengeResourceVerification: true };
}

/** Sets each secret (a new version when it exists), e.g. to seed the local stack. */
export async function seedSecrets(
  url: string,
  credential: TokenCredential,
  ca: string,
  secrets: Record<string, string>,
): Promise<void> {
  const client = new SecretClient(url, credential, localSecretClientOptions(ca));
  for (const [name, value] of Object.entries(secrets)) {
    await client.setSecret(name, value);
  }
}
