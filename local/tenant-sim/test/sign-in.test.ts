/**
 * Interactive sign-in of operators over HTTPS, as a browser and MSAL drive it: the authorize page, the password and
 * MFA steps, the code redeemed cross-origin with PKCE, refresh tokens and step-up through `claims`, and each refusal
 * as Entra ID words it. The tokens are checked with jose against the simulator's published keys.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { VirtualClock } from '@mds/platform-kit';
import { type TenantSimHandle, operatorConsoleClientId, startTenantSimulator } from '..';
import { type HttpAnswer, SimHttp, testCertificate } from './support';

const operatorTenant = '0f0e0d0c-0b0a-4000-8000-0000000000aa';
const audience = 'api://operator-api';
const origin = 'http://localhost:7071';
const redirectUri = `${origin}/console/`;
const users = [
  { oid: '11111111-1111-4111-8111-111111111111', upn: 'lead@ops.example', name: 'Lee Lead', mfa: true },
  {
    oid: '22222222-2222-4222-8222-222222222222',
    upn: 'reader@ops.example',
    name: 'Riley Reader',
    mfa: false,
  },
].map((user) => ({ ...user, password: 'pw-local', roles: ['Fleet.Read'] }));

let sim: TenantSimHandle;
let http: SimHttp;

beforeAll(async () => {
  const cert = await testCertificate();
  sim = await startTenantSimulator({ cert, clock: new VirtualClock() });
  http = new SimHttp(cert.cert);
  const registered = await http.send('POST', `${sim.url}/_sim/operator-tenants`, {
    body: {
      tenantId: operatorTenant,
      users,
      apps: [
        {
          clientId: operatorConsoleClientId,
          // Registered without a port: loopback redirect URIs match on any port.
          redirectUris: ['http://localhost/console/'],
          apiAudience: audience,
          apiScopes: ['access_as_user'],
        },
      ],
    },
  });
  expect(registered.status).toBe(204);
});

afterAll(async () => {
  http.close();
  await sim.stop();
});

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(params: Record<string, string>): string {
  const query = new URLSearchParams({
    client_id: operatorConsoleClientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: `${audience}/access_as_user openid profile offline_access`,
    state: 'state-1',
    nonce: 'nonce-1',
    client_info: '1',
    code_challenge_method: 'S256',
    ...params,
  });
  return `${sim.url}/${operatorTenant}/oauth2/v2.0/authorize?${query.toString()}`;
}

const flowOf = (page: HttpAnswer) => /name="flow" value="([^"]+)"/.exec(String(page.body))?.[1] ?? '';

/** The answer the browser is sent back with (in the fragment, as MSAL asks for SPAs). */
function returned(answer: HttpAnswer): URLSearchParams {
  expect(answer.status).toBe(302);
  const location = new URL(String(answer.headers.location));
  expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
  return new URLSearchParams(location.hash.slice(1));
}

async function signIn(
  user: (typeof users)[number],
  params: Record<string, string>,
  decision = 'approve',
): Promise<URLSearchParams> {
  const page = await http.get(authorizeUrl(params));
  expect(page.status).toBe(200);
  expect(page.body).toContain(user.upn);
  const form = new URLSearchParams({
    flow: flowOf(page),
    step: 'password',
    username: user.upn,
    password: user.password,
  });
  const afterPassword = await http.send('POST', `${sim.url}/${operatorTenant}/oauth2/v2.0/authorize`, {
    form,
  });
  if (!user.mfa) return returned(afterPassword);
  expect(afterPassword.body).toContain('Approve sign-in request');
  const mfa = new URLSearchParams({ flow: flowOf(afterPassword), step: 'mfa', decision });
  return returned(
    await http.send('POST', `${sim.url}/${operatorTenant}/oauth2/v2.0/authorize`, { form: mfa }),
  );
}

function redeem(
  code: string,
  verifier: string,
  headers: Record<string, string> = { origin },
): Promise<HttpAnswer> {
  return http.send('POST', `${sim.url}/${operatorTenant}/oauth2/v2.0/token`, {
    headers,
    form: new URLSearchParams({
      client_id: operatorConsoleClientId,
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: redirectUri,
      scope: `${audience}/access_as_user openid profile offline_access`,
      client_info: '1',
    }),
  });
}

async function claimsOf(token: string, aud: string) {
  const keys = createLocalJWKSet((await http.get(sim.jwksUri(operatorTenant))).body);
  return (await jwtVerify(token, keys, { issuer: sim.issuer(operatorTenant), audience: aud })).payload;
}

describe('operator sign-in (authorization code flow with PKCE)', () => {
  it('signs an operator in with MFA and redeems the code cross-origin for tokens that carry amr and roles', async () => {
    const { verifier, challenge } = pkce();
    const answer = await signIn(users[0]!, { code_challenge: challenge });
    expect(answer.get('state')).toBe('state-1');
    expect(JSON.parse(Buffer.from(answer.get('client_info') ?? '', 'base64url').toString())).toEqual({
      uid: users[0]!.oid,
      utid: operatorTenant,
    });
    const tokens = await redeem(answer.get('code') ?? '', verifier);
    expect(tokens.status).toBe(200);
    expect(tokens.headers['access-control-allow-origin']).toBe(origin);
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', scope: `${audience}/access_as_user` });
    const access = await claimsOf(tokens.body.access_token, audience);
    expect(access).toMatchObject({
      oid: users[0]!.oid,
      amr: ['pwd', 'mfa'],
      roles: ['Fleet.Read'],
      scp: 'access_as_user',
    });
    expect(access.acrs).toBeUndefined();
    const id = await claimsOf(tokens.body.id_token, operatorConsoleClientId);
    expect(id).toMatchObject({ nonce: 'nonce-1', preferred_username: users[0]!.upn, tid: operatorTenant });

    // A code is redeemed once.
    expect((await redeem(answer.get('code') ?? '', verifier)).body.error_codes).toEqual([70008]);
  });

  it('gives an operator without an MFA method a password-only token', async () => {
    const { verifier, challenge } = pkce();
    const answer = await signIn(users[1]!, { code_challenge: challenge });
    const tokens = await redeem(answer.get('code') ?? '', verifier);
    expect((await claimsOf(tokens.body.access_token, audience)).amr).toEqual(['pwd']);
  });

  it('puts a requested authentication context in acrs after MFA, and a refresh without it asks for interaction', async () => {
    const plain = pkce();
    const first = await redeem(
      (await signIn(users[0]!, { code_challenge: plain.challenge })).get('code') ?? '',
      plain.verifier,
    );
    const claims = JSON.stringify({ access_token: { acrs: { essential: true, value: 'c1' } } });
    const refresh = (refreshToken: string) =>
      http.send('POST', `${sim.url}/${operatorTenant}/oauth2/v2.0/token`, {
        headers: { origin },
        form: new URLSearchParams({
          client_id: operatorConsoleClientId,
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          scope: `${audience}/access_as_user openid offline_access`,
          claims,
        }),
      });
    const refused = await refresh(first.body.refresh_token);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'interaction_required', error_codes: [50076] });

    const stepUp = pkce();
    const answer = await signIn(users[0]!, { code_challenge: stepUp.challenge, claims });
    const elevated = await redeem(answer.get('code') ?? '', stepUp.verifier);
    expect(await claimsOf(elevated.body.access_token, audience)).toMatchObject({
      acrs: ['c1'],
      amr: ['pwd', 'mfa'],
    });
    const refreshed = await refresh(elevated.body.refresh_token);
    expect(refreshed.status).toBe(200);
    expect((await claimsOf(refreshed.body.access_token, audience)).acrs).toEqual(['c1']);
  });

  it('refuses what Entra ID refuses: a wrong verifier, no PKCE, no Origin, an unregistered redirect, a denied MFA', async () => {
    const { verifier, challenge } = pkce();
    const code = (await signIn(users[0]!, { code_challenge: challenge })).get('code') ?? '';
    expect((await redeem(code, `${verifier}x`)).body.error_codes).toEqual([501481]);

    const again = pkce();
    const noOrigin = await redeem(
      (await signIn(users[0]!, { code_challenge: again.challenge })).get('code') ?? '',
      again.verifier,
      {},
    );
    expect(noOrigin.body.error_codes).toEqual([9002327]);

    const withoutPkce = (await signIn(users[0]!, { code_challenge_method: 'S256' })).get('code') ?? '';
    expect((await redeem(withoutPkce, verifier)).body.error_codes).toEqual([9002325]);

    const foreign = await http.get(
      authorizeUrl({ redirect_uri: 'https://evil.example/console/', code_challenge: challenge }),
    );
    expect(foreign.status).toBe(400);
    expect(foreign.headers.location).toBeUndefined();
    expect(foreign.body).toContain('AADSTS50011');

    const denied = await signIn(users[0]!, { code_challenge: challenge }, 'deny');
    expect(denied.get('error')).toBe('access_denied');
    expect(denied.get('code')).toBeNull();

    const wrongPassword = await http.send('POST', `${sim.url}/${operatorTenant}/oauth2/v2.0/authorize`, {
      form: new URLSearchParams({
        flow: flowOf(await http.get(authorizeUrl({ code_challenge: challenge }))),
        step: 'password',
        username: users[0]!.upn,
        password: 'wrong',
      }),
    });
    expect(wrongPassword.body).toContain('Your account or password is incorrect.');

    const silent = returned(await http.get(authorizeUrl({ code_challenge: challenge, prompt: 'none' })));
    expect(silent.get('error')).toBe('login_required');
  });

  it('answers the browser’s CORS preflight for the token endpoint of a registered origin only', async () => {
    const preflight = (from: string) =>
      http.send('OPTIONS', `${sim.url}/${operatorTenant}/oauth2/v2.0/token`, {
        headers: { origin: from, 'access-control-request-method': 'POST' },
      });
    expect((await preflight('http://localhost:5173')).headers['access-control-allow-origin']).toBe(
      'http://localhost:5173',
    );
    expect((await preflight('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
    const metadata = await http.send(
      'GET',
      `${sim.url}/${operatorTenant}/v2.0/.well-known/openid-configuration`,
      {
        headers: { origin },
      },
    );
    expect(metadata.headers['access-control-allow-origin']).toBe('*');
    expect(metadata.body.authorization_endpoint).toBe(`${sim.url}/${operatorTenant}/oauth2/v2.0/authorize`);
  });
});
