import { Agent } from 'node:https';
import { ClientCertificateCredential, ClientSecretCredential } from '@azure/identity';
import { SignJWT, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, importPKCS8, jwtVerify } from 'jose';
import { X509Certificate, createHash } from 'node:crypto';
import { type FixtureSim, bareApp, readerApp, startFixtureSim, tenantA } from './fixture';
import { testCertificate } from './support';

const certTenant = '33333333-3333-4333-8333-333333333333';
const certAppId = 'cccccccc-0000-4000-8000-000000000003';

describe('Entra ID', () => {
  let fx: FixtureSim;
  let appCert: Awaited<ReturnType<typeof testCertificate>>;
  let otherCert: Awaited<ReturnType<typeof testCertificate>>;
  let agent: Agent;

  beforeAll(async () => {
    fx = await startFixtureSim();
    [appCert, otherCert] = await Promise.all([testCertificate(), testCertificate()]);
    fx.sim.control.createTenant({
      id: certTenant,
      apps: [{ clientId: certAppId, certificatePem: appCert.cert, permissions: ['Machine.Read.All'] }],
      deviceCount: 0,
    });
    // @azure/identity sends through the Azure core pipeline, which takes a Node https.Agent as `agent`.
    agent = new Agent({ ca: fx.ca, keepAlive: true });
  });

  afterAll(async () => {
    agent.destroy();
    await fx.close();
    appCert.dispose();
    otherCert.dispose();
  });

  const identityOptions = () => ({
    authorityHost: fx.sim.authorityHost,
    disableInstanceDiscovery: true,
    agent,
  });

  it('issues a Graph app token to ClientSecretCredential: v1 token with the app roles, signed with the published key', async () => {
    const credential = new ClientSecretCredential(
      tenantA,
      readerApp.clientId,
      readerApp.clientSecret!,
      identityOptions(),
    );
    const token = await credential.getToken('https://graph.microsoft.com/.default');
    const claims = decodeJwt(token.token);
    expect(claims).toMatchObject({
      aud: 'https://graph.microsoft.com',
      iss: `https://sts.windows.net/${tenantA}/`,
      tid: tenantA,
      appid: readerApp.clientId,
      azp: readerApp.clientId,
      appidacr: '1',
      idtyp: 'app',
      ver: '1.0',
      roles: readerApp.permissions,
    });
    expect(typeof claims.oid).toBe('string');
    expect(claims.exp! - claims.iat!).toBe(3599);
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now() + 3500_000);

    const jwks = createRemoteJWKSet(new URL(fx.sim.jwksUri(tenantA)), { agent });
    const { protectedHeader } = await jwtVerify(token.token, jwks, {
      issuer: `https://sts.windows.net/${tenantA}/`,
      audience: 'https://graph.microsoft.com',
    });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
    expect(fx.sim.control.counterValues(tenantA).tokensIssued).toBeGreaterThanOrEqual(1);
  });

  it('issues a Defender token for both Defender resource URIs', async () => {
    const credential = new ClientSecretCredential(
      tenantA,
      readerApp.clientId,
      readerApp.clientSecret!,
      identityOptions(),
    );
    for (const resource of [
      'https://api.securitycenter.microsoft.com',
      'https://api.security.microsoft.com',
    ]) {
      const token = await credential.getToken(`${resource}/.default`);
      expect(decodeJwt(token.token).aud).toBe(resource);
    }
  });

  it('issues a token to ClientCertificateCredential after checking its PS256 assertion against the registered certificate', async () => {
    const credential = new ClientCertificateCredential(
      certTenant,
      certAppId,
      { certificate: `${appCert.key}\n${appCert.cert}` },
      identityOptions(),
    );
    const token = await credential.getToken('https://api.securitycenter.microsoft.com/.default');
    expect(decodeJwt(token.token)).toMatchObject({
      tid: certTenant,
      appid: certAppId,
      appidacr: '2',
      roles: ['Machine.Read.All'],
    });
  });

  it('rejects a wrong client secret with AADSTS7000215 (SDK and wire)', async () => {
    const credential = new ClientSecretCredential(
      tenantA,
      readerApp.clientId,
      'not-the-secret',
      identityOptions(),
    );
    await expect(credential.getToken('https://graph.microsoft.com/.default')).rejects.toThrow(
      /AADSTS7000215/,
    );

    const answer = await fx.http.send('POST', `${fx.sim.url}/${tenantA}/oauth2/v2.0/token`, {
      form: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: readerApp.clientId,
        client_secret: 'wrong',
        scope: 'https://graph.microsoft.com/.default',
      }),
    });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({
      error: 'invalid_client',
      error_codes: [7000215],
      trace_id: expect.any(String),
      correlation_id: expect.any(String),
    });
    expect(answer.body.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided\./);
  });

  it('rejects an unknown tenant (AADSTS90002) and an unknown app (AADSTS700016)', async () => {
    const unknownTenantId = '44444444-4444-4444-8444-444444444444';
    // MSAL reads the tenant's OpenID metadata first; its 400 AADSTS90002 ends the attempt there, as in Azure.
    const unknownTenant = new ClientSecretCredential(
      unknownTenantId,
      readerApp.clientId,
      readerApp.clientSecret!,
      identityOptions(),
    );
    await expect(unknownTenant.getToken('https://graph.microsoft.com/.default')).rejects.toThrow(
      /endpoints_resolution_error/,
    );
    const answer = await fx.http.send('POST', `${fx.sim.url}/${unknownTenantId}/oauth2/v2.0/token`, {
      form: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: readerApp.clientId,
        client_secret: readerApp.clientSecret!,
        scope: 'https://graph.microsoft.com/.default',
      }),
    });
    expect([answer.status, answer.body.error, answer.body.error_codes]).toEqual([
      400,
      'invalid_request',
      [90002],
    ]);
    const unknownApp = new ClientSecretCredential(
      tenantA,
      'dddddddd-0000-4000-8000-000000000009',
      'whatever-secret',
      identityOptions(),
    );
    await expect(unknownApp.getToken('https://graph.microsoft.com/.default')).rejects.toThrow(/AADSTS700016/);
  });

  it('rejects a certificate that is not registered, a forged signature, a wrong audience and an expired assertion', async () => {
    const unregistered = new ClientCertificateCredential(
      certTenant,
      certAppId,
      { certificate: `${otherCert.key}\n${otherCert.cert}` },
      identityOptions(),
    );
    await expect(unregistered.getToken('https://api.securitycenter.microsoft.com/.default')).rejects.toThrow(
      /AADSTS700027.*not registered/,
    );

    const tokenEndpoint = `${fx.sim.url}/${certTenant}/oauth2/v2.0/token`;
    const registeredThumbprint = createHash('sha256')
      .update(new X509Certificate(appCert.cert).raw)
      .digest('base64url');
    const assertion = async (signingKeyPem: string, claims: { aud?: string; exp?: number }) =>
      new SignJWT({ jti: 'test' })
        .setProtectedHeader({ alg: 'PS256', 'x5t#S256': registeredThumbprint })
        .setIssuer(certAppId)
        .setSubject(certAppId)
        .setAudience(claims.aud ?? tokenEndpoint)
        .setIssuedAt()
        .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 600)
        .sign(await importPKCS8(signingKeyPem, 'PS256'));
    const post = async (clientAssertion: string) =>
      fx.http.send('POST', tokenEndpoint, {
        form: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: certAppId,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: clientAssertion,
          scope: 'https://api.securitycenter.microsoft.com/.default',
        }),
      });

    const good = await post(await assertion(appCert.key, {}));
    expect(good.status).toBe(200);
    const forged = await post(await assertion(otherCert.key, {}));
    expect([forged.status, forged.body.error_codes]).toEqual([401, [700027]]);
    expect(forged.body.error_description).toMatch(/signature validation/);
    const wrongAudience = await post(
      await assertion(appCert.key, {
        aud: `https://login.microsoftonline.com/${certTenant}/oauth2/v2.0/token`,
      }),
    );
    expect([wrongAudience.status, wrongAudience.body.error_codes]).toEqual([401, [700021]]);
    const expired = await post(await assertion(appCert.key, { exp: Math.floor(Date.now() / 1000) - 3600 }));
    expect([expired.status, expired.body.error_codes]).toEqual([401, [700024]]);
    const garbage = await post('not-a-jwt');
    expect(garbage.body.error_codes).toEqual([50027]);
  });

  it('refuses a scope without /.default and a resource it does not know', async () => {
    const credential = new ClientSecretCredential(
      tenantA,
      bareApp.clientId,
      bareApp.clientSecret!,
      identityOptions(),
    );
    await expect(credential.getToken('https://graph.microsoft.com/User.Read')).rejects.toThrow(
      /AADSTS1002012/,
    );
    await expect(credential.getToken('https://vault.example.net/.default')).rejects.toThrow(/AADSTS500011/);
  });

  it('serves OpenID metadata and JWKS where MSAL and jose look for them', async () => {
    const metadata = await fx.http.get(`${fx.sim.url}/${tenantA}/v2.0/.well-known/openid-configuration`);
    expect(metadata.status).toBe(200);
    expect(metadata.body).toMatchObject({
      issuer: `${fx.sim.url}/${tenantA}/v2.0`,
      token_endpoint: `${fx.sim.url}/${tenantA}/oauth2/v2.0/token`,
      jwks_uri: `${fx.sim.url}/${tenantA}/discovery/v2.0/keys`,
    });
    const unknown = await fx.http.get(
      `${fx.sim.url}/55555555-5555-4555-8555-555555555555/v2.0/.well-known/openid-configuration`,
    );
    expect([unknown.status, unknown.body.error_codes]).toEqual([400, [90002]]);
    for (const path of [
      '/common/discovery/keys',
      '/common/discovery/v2.0/keys',
      `/${tenantA}/discovery/v2.0/keys`,
    ]) {
      const keys = await fx.http.get(`${fx.sim.url}${path}`);
      expect(keys.body.keys).toEqual([
        expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) }),
      ]);
    }
  });

  it('issues operator tokens in process and over the control API that jose verifies against the JWKS', async () => {
    const operatorTenant = '66666666-6666-4666-8666-666666666666';
    const audience = 'api://managed-desktop-security';
    const inProcess = fx.sim.control.issueOperatorToken({
      tenantId: operatorTenant,
      oid: '77777777-7777-4777-8777-777777777777',
      upn: 'ops@provider.example',
      name: 'Operator One',
      roles: ['Fleet.Read', 'Credential.Checkout'],
      amr: ['pwd', 'mfa'],
      audience,
    });
    const overHttp = await fx.http.send('POST', `${fx.sim.url}/_sim/tokens/operator`, {
      body: {
        tenantId: operatorTenant,
        oid: '88888888-8888-4888-8888-888888888888',
        upn: 'ro@provider.example',
        name: 'Reader',
        roles: ['Fleet.Read'],
        audience,
      },
    });
    expect(overHttp.status).toBe(200);

    const jwks = createRemoteJWKSet(new URL(fx.sim.jwksUri(operatorTenant)), { agent });
    const verified = await jwtVerify(inProcess, jwks, { issuer: fx.sim.issuer(operatorTenant), audience });
    expect(verified.payload).toMatchObject({
      tid: operatorTenant,
      preferred_username: 'ops@provider.example',
      roles: ['Fleet.Read', 'Credential.Checkout'],
      amr: ['pwd', 'mfa'],
      ver: '2.0',
    });
    const second = await jwtVerify(overHttp.body.access_token as string, jwks, {
      issuer: fx.sim.issuer(operatorTenant),
      audience,
    });
    expect(second.payload.roles).toEqual(['Fleet.Read']);
    expect(decodeProtectedHeader(inProcess).kid).toBe(
      decodeProtectedHeader(overHttp.body.access_token as string).kid,
    );

    const expired = fx.sim.control.issueOperatorToken({
      tenantId: operatorTenant,
      oid: 'x',
      upn: 'x@provider.example',
      name: 'x',
      roles: [],
      audience,
      expiresInSeconds: -60,
    });
    await expect(
      jwtVerify(expired, jwks, { issuer: fx.sim.issuer(operatorTenant), audience }),
    ).rejects.toThrow(/"exp" claim timestamp check failed/);
    const badRequest = await fx.http.send('POST', `${fx.sim.url}/_sim/tokens/operator`, {
      body: { tenantId: operatorTenant },
    });
    expect(badRequest.status).toBe(400);
  });

  it('serves the OpenID metadata of an operator tenant once registered, and puts acrs in operator tokens', async () => {
    const operatorTenant = '67676767-6767-4767-8767-676767676767';
    const metadataUrl = `${fx.sim.url}/${operatorTenant}/v2.0/.well-known/openid-configuration`;
    expect((await fx.http.get(metadataUrl)).status).toBe(400);
    const registered = await fx.http.send('POST', `${fx.sim.url}/_sim/operator-tenants`, {
      body: { tenantId: operatorTenant },
    });
    expect(registered.status).toBe(204);
    const metadata = await fx.http.get(metadataUrl);
    expect(metadata.status).toBe(200);
    expect(metadata.body).toMatchObject({
      issuer: fx.sim.issuer(operatorTenant),
      jwks_uri: fx.sim.jwksUri(operatorTenant),
    });

    const token = fx.sim.control.issueOperatorToken({
      tenantId: operatorTenant,
      oid: '78787878-7878-4878-8878-787878787878',
      upn: 'approver@provider.example',
      name: 'Approver',
      roles: ['Credentials.Approve'],
      amr: ['pwd', 'mfa'],
      acrs: ['c1'],
      audience: 'api://managed-desktop-security',
    });
    expect(decodeJwt(token)).toMatchObject({ acrs: ['c1'], amr: ['pwd', 'mfa'] });
    expect(decodeJwt(token)).not.toHaveProperty('scp');
  });
});
