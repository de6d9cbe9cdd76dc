/**
 * Key Vault (secrets) stand-in for the offline platform: an in-memory vault behind HTTPS that the real
 * `@azure/keyvault-secrets` `SecretClient` works against unchanged, challenge-based auth included.
 *
 * Client side: `new SecretClient(url, credential, localSecretClientOptions(certPem))`, with
 * `localKeyVaultCredential()` or any credential whose tokens the stand-in accepts (see `KeyVaultAuthOptions`).
 */
export { startKeyVault, type KeyVaultOptions, type RunningKeyVault } from './server';
export {
  LOCAL_KEY_VAULT_TENANT_ID,
  LOCAL_KEY_VAULT_TOKEN,
  KEY_VAULT_RESOURCE,
  type KeyVaultAuthOptions,
} from './auth';
export {
  localKeyVaultCredential,
  localSecretClientOptions,
  seedSecrets,
  staticTokenCredential,
} from './client';
