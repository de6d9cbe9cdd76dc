/**
 * The privileged step-up no route of this issue uses yet (credential checkout will): without the authentication
 * context in `acrs`, 403 with an Entra claims challenge; with it, through. Driven through the endpoint pipeline.
 */
import { HttpRequest, InvocationContext } from '@azure/functions';
import { type OperatorPrincipal } from '../../../../shared/operators/contract';
import { operatorEndpoint } from '../../../../shared/operators/endpoint';
import { type RouteSpec } from '../../../../shared/operators/routes';

const oid = '22222222-2222-4222-8222-222222222222';
const spec: RouteSpec = {
  method: 'POST',
  path: 'checkout',
  access: { kind: 'role', role: 'Credentials.Request', privileged: true },
  tag: 'Credentials',
  summary: 'test',
  success: { status: 200, description: 'ok' },
};

function call(principal: Partial<OperatorPrincipal>) {
  const handler = operatorEndpoint(
    spec,
    {
      verifier: {
        verify: () =>
          Promise.resolve({ oid, roles: ['Credentials.Request'], amr: ['mfa'], acrs: [], ...principal }),
      },
      operators: {
        find: () =>
          Promise.resolve({
            id: oid,
            displayName: 'Op',
            country: 'US',
            backgroundCheckExpiresOn: '2999-01-01',
            tenants: 'all' as const,
            enabled: true,
            updatedAt: '2026-01-01T00:00:00Z',
            updatedBy: 'seed',
          }),
      },
      audit: { record: () => Promise.resolve() },
      privilegedContext: 'c1',
      now: () => new Date(),
    },
    () => Promise.resolve({ status: 200, jsonBody: { ok: true } }),
  );
  return handler(
    new HttpRequest({
      method: 'POST',
      url: 'https://app.example/api/v1/checkout',
      headers: { authorization: 'Bearer x.y.z' },
    }),
    new InvocationContext({ logHandler: () => undefined }),
  );
}

describe('privileged step-up', () => {
  it('refuses a token without the authentication context with a claims challenge', async () => {
    const answer = await call({ acrs: ['c2'] });
    expect(answer.status).toBe(403);
    const body = (answer as { jsonBody?: Record<string, unknown> }).jsonBody;
    expect(body).toMatchObject({
      code: 'authentication_context_required',
      requiredAuthenticationContext: 'c1',
    });
    const challenge = (answer.headers as Record<string, string>)['www-authenticate'] ?? '';
    const claims = /claims="([^"]+)"/.exec(challenge)?.[1] ?? '';
    expect(challenge).toMatch(/^Bearer error="insufficient_claims"/);
    expect(JSON.parse(Buffer.from(claims, 'base64').toString('utf8'))).toEqual({
      access_token: { acrs: { essential: true, value: 'c1' } },
    });
  });

  it('asks for MFA first, and lets a token with both through', async () => {
    expect(
      ((await call({ amr: ['pwd'], acrs: ['c1'] })) as { jsonBody?: { code?: string } }).jsonBody?.code,
    ).toBe('mfa_required');
    expect((await call({ acrs: ['c1'] })).status).toBe(200);
  });
});
