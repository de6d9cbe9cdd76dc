/**
 * Service-account passwords as Entra ID handles them: set on `POST /users` and by `PATCH /users/{id}` with a
 * `passwordProfile` (complexity checked, 204), seen in `lastPasswordChangeDateTime`, and proven by the resource-owner
 * password grant on the token endpoint (AADSTS50126 for a wrong password, AADSTS50034 for an unknown user).
 */
import { Agent } from 'node:https';
import { ClientSecretCredential } from '@azure/identity';
import { VirtualClock } from '@mds/platform-kit';
import { type TenantSimHandle, startTenantSimulator } from '..';
import { SimHttp, testCertificate } from './support';

describe('passwords: password profile and the password grant', () => {
  let sim: TenantSimHandle;
  let clock: VirtualClock;
  let http: SimHttp;
  let agent: Agent;
  let cert: Awaited<ReturnType<typeof testCertificate>>;
  let tenantId: string;
  let clientId: string;
  let token: string;
  const secret = 'adatum-secret-0123456789';

  beforeAll(async () => {
    cert = await testCertificate();
    clock = new VirtualClock();
    sim = await startTenantSimulator({ cert, clock });
    http = new SimHttp(cert.cert);
    agent = new Agent({ ca: cert.cert, keepAlive: true });
    const created = await http.send('POST', `${sim.url}/_sim/tenants`, {
      body: {
        displayName: 'Adatum',
        domain: 'adatum.onmicrosoft.com',
        seed: 'adatum',
        deviceCount: 1,
        e5: { enabled: 1, consumed: 0 },
        apps: [{ clientSecret: secret, permissions: ['User.ReadWrite.All'] }],
      },
    });
    expect(created.status).toBe(201);
    tenantId = created.body.id;
    clientId = created.body.apps[0].clientId;
    const options = { authorityHost: sim.authorityHost, disableInstanceDiscovery: true, agent };
    token = (
      await new ClientSecretCredential(tenantId, clientId, secret, options).getToken(
        'https://graph.microsoft.com/.default',
      )
    ).token;
  });

  afterAll(async () => {
    http.close();
    agent.destroy();
    await sim.stop();
    cert.dispose();
  });

  const grant = (username: string, password: string) =>
    http.send('POST', `${sim.authorityHost}/${tenantId}/oauth2/v2.0/token`, {
      form: new URLSearchParams({
        grant_type: 'password',
        client_id: clientId,
        scope: 'https://graph.microsoft.com/.default',
        username,
        password,
      }),
    });
  const upn = 'msadmin@adatum.onmicrosoft.com';

  it('sets, checks and changes a password, and says when it last changed', async () => {
    const first = 'Fi7st-Password-0123456789';
    const created = await http.send('POST', `${sim.graphUrl}/v1.0/users`, {
      token,
      body: {
        accountEnabled: true,
        displayName: 'msadmin',
        mailNickname: 'msadmin',
        userPrincipalName: upn,
        passwordProfile: { forceChangePasswordNextSignIn: false, password: first },
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const changedAt = async () =>
      (await http.get(`${sim.graphUrl}/v1.0/users/${id}?$select=id,lastPasswordChangeDateTime`, token)).body
        .lastPasswordChangeDateTime as string;
    const setAt = await changedAt();
    expect(Date.parse(setAt)).toBe(clock.now());

    const signedIn = await grant(upn, first);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.token_type).toBe('Bearer');
    const wrong = await grant(upn, 'not-the-password');
    expect([wrong.status, wrong.body.error, wrong.body.error_codes]).toEqual([400, 'invalid_grant', [50126]]);
    const nobody = await grant('nobody@adatum.onmicrosoft.com', first);
    expect(nobody.body.error_codes).toEqual([50034]);

    // A weak password is refused and changes nothing.
    const weak = await http.send('PATCH', `${sim.graphUrl}/v1.0/users/${id}`, {
      token,
      body: { passwordProfile: { password: 'short' }, displayName: 'changed' },
    });
    expect(weak.status).toBe(400);
    expect(weak.body.error.message).toMatch(/complexity/);
    expect((await grant(upn, first)).status).toBe(200);

    await clock.advance(60_000);
    const second = 'S3cond-Password-9876543210';
    const patched = await http.send('PATCH', `${sim.graphUrl}/v1.0/users/${id}`, {
      token,
      body: { passwordProfile: { forceChangePasswordNextSignIn: false, password: second } },
    });
    expect(patched.status).toBe(204);
    expect((await grant(upn, first)).body.error_codes).toEqual([50126]);
    expect((await grant(upn, second)).status).toBe(200);
    expect(Date.parse(await changedAt()) - Date.parse(setAt)).toBe(60_000);
  });
});
