/**
 * Every way a token can be wrong is refused with 401 problem details and a Bearer challenge, through the real host,
 * against the simulator's real OpenID metadata and JWKS; and the same request with a good token is accepted.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { get } from 'node:https';
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { stackCaPem } from '../../support/stack';
import {
  eligible,
  newOid,
  type OperatorWorld,
  type Persona,
  startOperatorWorld,
} from '../../support/operator-world';

jest.setTimeout(90_000);

describe('operator API tokens', () => {
  let ow: OperatorWorld;
  const persona: Persona = { name: 'tokens', oid: newOid(), roles: ['Fleet.Read'], amr: ['pwd', 'mfa'] };
  let good: string;

  beforeAll(async () => {
    ow = await startOperatorWorld();
    persona.record = eligible('all');
    await ow.register(persona);
    good = ow.token(persona);
  });

  afterAll(() => ow.stop());

  const me = (token: string | undefined, path = '/api/v1/me') => ow.call('GET', path, token ? { token } : {});

  /** Signs `claims` (the good token's, changed) with a key of our own, under the header given. */
  async function forge(header: Record<string, unknown>, changes: Record<string, unknown> = {}) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return new SignJWT({ ...decodeJwt(good), ...changes })
      .setProtectedHeader({ alg: 'RS256', ...header })
      .sign(privateKey);
  }

  function expectInvalidToken(answer: Awaited<ReturnType<typeof me>>) {
    expect(answer.status).toBe(401);
    expect(answer.contentType).toBe('application/problem+json');
    expect(answer.body).toMatchObject({ status: 401, code: 'invalid_token', title: 'Unauthorized' });
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
  }

  it('accepts a good token', async () => {
    const answer = await me(good);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ oid: persona.oid, roles: ['Fleet.Read'], eligible: true, mfa: true });
  });

  it('accepts a token expired within the five minutes of allowed skew', async () => {
    expect((await me(ow.token(persona, { expiresInSeconds: -120 }))).status).toBe(200);
  });

  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  const cases: [string, () => Promise<string | undefined> | string | undefined][] = [
    ['no token', () => undefined],
    [
      'signed by another key under the published kid',
      async () => forge({ kid: decodeProtectedHeader(good).kid }),
    ],
    ['signed by another key under an unknown kid', async () => forge({ kid: 'not-a-published-key' })],
    ['alg none', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(decodeJwt(good))}.`],
    [
      'HS256 signed with the public key',
      async () => {
        const jwks = await getJson<{ keys: Record<string, unknown>[] }>(ow.world.sim.jwksUri());
        // The simulator's key as its PEM, the secret an attacker would try against a confused verifier.
        const jwk = jwks.keys[0] ?? {};
        const pem = createPublicKey({ key: jwk as never, format: 'jwk' }).export({
          type: 'spki',
          format: 'pem',
        });
        return new SignJWT(decodeJwt(good))
          .setProtectedHeader({ alg: 'HS256', kid: decodeProtectedHeader(good).kid ?? '' })
          .sign(Buffer.from(pem));
      },
    ],
    ['expired beyond the skew', () => ow.token(persona, { expiresInSeconds: -400 })],
    [
      'not valid yet beyond the skew',
      () => ow.token(persona, { claims: { nbf: Math.floor(Date.now() / 1000) + 600 } }),
    ],
    ['for another audience', () => ow.token(persona, { claims: { aud: 'api://another-api' } })],
    ['from another issuer', () => ow.token(persona, { claims: { iss: 'https://login.example/other/v2.0' } })],
    [
      'from another tenant (tid)',
      () => ow.token(persona, { claims: { tid: '12121212-1212-4212-8212-121212121212' } }),
    ],
    ['without an oid', () => ow.token(persona, { omitClaims: ['oid'] })],
    ['garbled', () => `${good.slice(0, 40)}garbage${good.slice(47)}`],
    ['not a JWT at all', () => 'definitely-not-a-token'],
  ];

  it.each(cases)('refuses a token %s with 401', async (_, make) => {
    expectInvalidToken(await me(await make()));
  });

  it('refuses a token in the query string, even a good one', async () => {
    expectInvalidToken(await me(undefined, `/api/v1/me?access_token=${good}`));
    expectInvalidToken(await me(good, `/api/v1/me?access_token=${good}`));
  });

  it('refuses a scheme other than Bearer', async () => {
    expectInvalidToken(await ow.call('GET', '/api/v1/me', { headers: { authorization: `Basic ${good}` } }));
  });
});

function getJson<T>(url: string): Promise<T> {
  return new Promise((resolve, reject) => {
    get(url, { ca: stackCaPem() }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T));
    }).on('error', reject);
  });
}
