import type { GetTokenOptions, TokenCredential } from '@azure/identity';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { VirtualClock } from '@mds/platform-kit';
import { LOCAL_KEY_VAULT_TOKEN, staticTokenCredential } from '..';
import { type TestVault, rawRequest, rejectionOf, startTestVault } from './support';

const tenantId = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

interface Claims {
  aud?: string;
  tid?: string;
  /** Seconds from the clock's now. */
  expiresIn?: number;
}

function jwtCredential(key: KeyPair['privateKey'], claims: Claims = {}): TokenCredential {
  return {
    getToken: async () => {
      const now = Math.floor(clock.now() / 1000);
      const exp = now + (claims.expiresIn ?? 3600);
      const token = await new SignJWT({ tid: claims.tid ?? tenantId })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .setAudience(claims.aud ?? 'https://vault.azure.net')
        .setIssuedAt(now)
        .setExpirationTime(exp)
        .sign(key);
      return { token, expiresOnTimestamp: Date.now() + 3600 * 1000 };
    },
  };
}

describe('Key Vault stand-in: challenge and bearer tokens', () => {
  let testVault: TestVault;
  let issuerKeys: KeyPair;
  let otherKeys: KeyPair;
  let query: string;

  beforeAll(async () => {
    issuerKeys = await generateKeyPair('RS256');
    otherKeys = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(issuerKeys.publicKey)), kid: 'test-key', alg: 'RS256' };
    testVault = await startTestVault({ clock, tenantId, auth: { jwks: { keys: [jwk] } } });
    query = '?api-version=2025-07-01';
  });

  afterAll(async () => {
    await testVault.close();
  });

  it('answers a request without a token with 401 and the Key Vault challenge', async () => {
    const response = await rawRequest(`${testVault.vault.url}/secrets/anything${query}`, testVault.ca);

    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe(
      `Bearer authorization="https://login.microsoftonline.com/${tenantId}", resource="https://vault.azure.net"`,
    );
    expect(response.body).toEqual({
      error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' },
    });
  });

  it('asks the credential for the vault scope in the challenged tenant, then sends its token', async () => {
    const asked: { scopes: string | string[]; tenantId?: string }[] = [];
    const recording: TokenCredential = {
      getToken: (scopes: string | string[], options?: GetTokenOptions) => {
        asked.push({ scopes, tenantId: options?.tenantId });
        return staticTokenCredential(LOCAL_KEY_VAULT_TOKEN).getToken(scopes, options);
      },
    };
    const client = testVault.client(recording);

    await client.setSecret('challenged', 'ok');

    expect(asked[0]).toEqual({ scopes: ['https://vault.azure.net/.default'], tenantId });
    expect((await client.getSecret('challenged')).value).toBe('ok');
  });

  it('answers a wrong static token with 401 Unauthorized', async () => {
    const error = await rejectionOf(
      testVault.client(staticTokenCredential('not-the-token')).getSecret('challenged'),
    );
    expect(error.statusCode).toBe(401);
    expect(error.code).toBe('Unauthorized');
  });

  it('accepts a JWT for https://vault.azure.net signed by a configured key', async () => {
    const client = testVault.client(jwtCredential(issuerKeys.privateKey));
    await client.setSecret('via-jwt', 'signed');
    expect((await client.getSecret('via-jwt')).value).toBe('signed');
  });

  it.each([
    ['signed by an unknown key', () => jwtCredential(otherKeys.privateKey)],
    [
      'for another audience',
      () => jwtCredential(issuerKeys.privateKey, { aud: 'https://graph.microsoft.com' }),
    ],
    ['for another tenant', () => jwtCredential(issuerKeys.privateKey, { tid: 'another-tenant' })],
    ['expired by the vault clock', () => jwtCredential(issuerKeys.privateKey, { expiresIn: -60 })],
  ])('answers a JWT %s with 401', async (_case, credential) => {
    const error = await rejectionOf(testVault.client(credential()).getSecret('via-jwt'));
    expect(error.statusCode).toBe(401);
    expect(error.code).toBe('Unauthorized');
  });

  describe('with a valid token, requests the SDK would not send', () => {
    const authorized = { authorization: `Bearer ${LOCAL_KEY_VAULT_TOKEN}` };

    it('answers a missing api-version with 400 BadParameter', async () => {
      const response = await rawRequest(`${testVault.vault.url}/secrets`, testVault.ca, {
        headers: authorized,
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: { code: 'BadParameter' } });
    });

    it.each([
      ['not JSON', '{value:'],
      ['without a value', '{"contentType":"text/plain"}'],
      ['with a non-string value', '{"value":42}'],
      ['empty', ''],
    ])('answers a set whose body is %s with 400 BadParameter', async (_case, body) => {
      const response = await rawRequest(`${testVault.vault.url}/secrets/raw-set${query}`, testVault.ca, {
        method: 'PUT',
        headers: { ...authorized, 'content-type': 'application/json' },
        body,
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: { code: 'BadParameter' } });
    });

    it('answers an unknown path with 404 and a known path with a wrong method with 405', async () => {
      const unknown = await rawRequest(`${testVault.vault.url}/keys/some-key${query}`, testVault.ca, {
        headers: authorized,
      });
      expect(unknown.status).toBe(404);
      const wrongMethod = await rawRequest(`${testVault.vault.url}/deletedsecrets${query}`, testVault.ca, {
        method: 'POST',
        headers: authorized,
      });
      expect(wrongMethod.status).toBe(405);
    });
  });
});
