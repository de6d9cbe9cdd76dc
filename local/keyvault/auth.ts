import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import type { Clock } from '@mds/platform-kit';
import { KeyVaultError } from './errors';

/** The bearer token the stand-in accepts unless told otherwise; `localKeyVaultCredential()` hands it out. */
export const LOCAL_KEY_VAULT_TOKEN = 'local-key-vault-token';

/** The tenant named in the challenge unless told otherwise. */
export const LOCAL_KEY_VAULT_TENANT_ID = '00000000-0000-4000-8000-00000000c0de';

export const KEY_VAULT_RESOURCE = 'https://vault.azure.net';

/**
 * Which bearer tokens the stand-in accepts. A token passes if it is one of `staticTokens`, or, when `jwks`
 * is given, a JWT signed by one of those keys whose `aud` is `https://vault.azure.net`, that is inside its
 * nbf/exp window by the stand-in's clock and whose `tid` (when present) is the vault's tenant. Anything
 * else gets 401 with the challenge.
 */
export interface KeyVaultAuthOptions {
  /** Default: `[LOCAL_KEY_VAULT_TOKEN]`. */
  staticTokens?: readonly string[];
  /** Public keys of a token issuer, e.g. the tenant simulator's signing keys. */
  jwks?: JSONWebKeySet;
}

export type BearerCheck = (authorization: string | undefined) => Promise<void>;

/** The challenge every 401 carries; the SDK takes the tenant and the token scope from it. */
export function challengeHeader(tenantId: string): string {
  return `Bearer authorization="https://login.microsoftonline.com/${tenantId}", resource="${KEY_VAULT_RESOURCE}"`;
}

export function bearerCheck(options: KeyVaultAuthOptions, tenantId: string, clock: Clock): BearerCheck {
  const staticTokens = new Set(options.staticTokens ?? [LOCAL_KEY_VAULT_TOKEN]);
  const keys = options.jwks ? createLocalJWKSet(options.jwks) : undefined;

  const isValidJwt = async (token: string): Promise<boolean> => {
    if (!keys) return false;
    try {
      const { payload } = await jwtVerify(token, keys, {
        audience: [KEY_VAULT_RESOURCE, `${KEY_VAULT_RESOURCE}/`],
        currentDate: new Date(clock.now()),
      });
      return payload.tid === undefined || payload.tid === tenantId;
    } catch {
      return false;
    }
  };

  return async (authorization) => {
    const match = /^Bearer (\S+)$/i.exec(authorization ?? '');
    const token = match?.[1];
    if (token === undefined) {
      throw new KeyVaultError(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.');
    }
    if (staticTokens.has(token) || (await isValidJwt(token))) return;
    throw new KeyVaultError(401, 'Unauthorized', 'The bearer token is not valid for this vault.');
  };
}
