import { type FixtureSim, bareApp, readerApp, startFixtureSim, tenantA, tenantB } from './fixture';

describe('Graph and Defender surfaces: authentication, permissions, OData', () => {
  let fx: FixtureSim;
  let graphToken: string;
  let defenderToken: string;
  const devices = () => `${fx.sim.graphUrl}/v1.0/deviceManagement/managedDevices`;

  beforeAll(async () => {
    fx = await startFixtureSim({ devices: 10_000, throttling: { enabled: false } });
    graphToken = await fx.token();
    defenderToken = await fx.token(readerApp, tenantA, 'https://api.securitycenter.microsoft.com/.default');
  });

  afterAll(() => fx.close());

  it("answers 401 InvalidAuthenticationToken without a token, with a forged one, or with another resource's token", async () => {
    const missing = await fx.http.get(devices());
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatchObject({
      code: 'InvalidAuthenticationToken',
      message: 'Access token is empty.',
      innerError: { 'request-id': expect.any(String) },
    });
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer /);

    const [header, payload] = graphToken.split('.');
    const forged = await fx.http.get(
      devices(),
      `${header}.${payload}.${Buffer.from('nope').toString('base64url')}`,
    );
    expect([forged.status, forged.body.error.code]).toEqual([401, 'InvalidAuthenticationToken']);
    expect(forged.body.error.message).toMatch(/Invalid signature/);

    const wrongAudience = await fx.http.get(devices(), defenderToken);
    expect([wrongAudience.status, wrongAudience.body.error.message]).toEqual([
      401,
      'Access token validation failure. Invalid audience.',
    ]);
    const defenderWithGraphToken = await fx.http.get(`${fx.sim.defenderUrl}/api/machines`, graphToken);
    expect(defenderWithGraphToken.status).toBe(401);
    expect(defenderWithGraphToken.body.error).toMatchObject({
      code: 'Unauthorized',
      target: expect.any(String),
    });
  });

  it('answers 403 when the token lacks every permission the route accepts (Graph and Defender shapes)', async () => {
    const bareGraph = await fx.token(bareApp);
    const graph = await fx.http.get(devices(), bareGraph);
    expect(graph.status).toBe(403);
    expect(graph.body.error).toMatchObject({
      code: 'Authorization_RequestDenied',
      message: 'Insufficient privileges to complete the operation.',
    });

    const bareDefender = await fx.token(
      bareApp,
      tenantA,
      'https://api.securitycenter.microsoft.com/.default',
    );
    const defender = await fx.http.get(`${fx.sim.defenderUrl}/api/machines`, bareDefender);
    expect(defender.status).toBe(403);
    expect(defender.body.error.message).toMatch(
      /required application permissions \(Machine\.Read\.All, Machine\.ReadWrite\.All\)/,
    );

    const sync = await fx.http.send('POST', `${devices()}/00000000-0000-4000-8000-000000000001/syncDevice`, {
      token: graphToken,
    });
    expect([sync.status, sync.body.error.code]).toEqual([403, 'Authorization_RequestDenied']);
  });

  it('addresses the tenant by the token: the same path shows each tenant its own devices', async () => {
    const tokenB = await fx.token(readerApp, tenantB);
    const a = await fx.http.get(`${devices()}?$count=true&$top=1`, graphToken);
    const b = await fx.http.get(`${devices()}?$count=true&$top=1`, tokenB);
    expect([a.body['@odata.count'], b.body['@odata.count']]).toEqual([10_000, 3]);
  });

  it('pages 10,000 devices with $select by following @odata.nextLink verbatim', async () => {
    let url: string | undefined = `${devices()}?$select=id,deviceName&$top=1000`;
    const ids = new Set<string>();
    const shapes = new Set<string>();
    let pages = 0;
    while (url && pages < 20) {
      const page = await fx.http.get(url, graphToken);
      expect(page.status).toBe(200);
      for (const device of page.body.value as { id: string }[]) {
        shapes.add(Object.keys(device).join(','));
        ids.add(device.id);
      }
      url = page.body['@odata.nextLink'];
      if (url)
        expect(url).toMatch(
          /^https:\/\/127\.0\.0\.1:\d+\/graph\/v1\.0\/deviceManagement\/managedDevices\?\$select=id%2CdeviceName&\$top=1000&\$skiptoken=/,
        );
      pages++;
    }
    expect(ids.size).toBe(10_000);
    expect(pages).toBe(10);
    expect([...shapes]).toEqual(['id,deviceName']);
    expect(
      fx.sim.control.counterValues(tenantA).requests['GET graph-v1.0 /deviceManagement/managedDevices'],
    ).toBeGreaterThanOrEqual(10);
  });

  it('pages at 100 without $top and caps $top at 1,000', async () => {
    const first = await fx.http.get(devices(), graphToken);
    expect(first.body.value).toHaveLength(100);
    expect(first.body['@odata.context']).toMatch(/\$metadata#deviceManagement\/managedDevices$/);
    const capped = await fx.http.get(`${devices()}?$top=5000`, graphToken);
    expect(capped.body.value).toHaveLength(1000);
  });

  it('filters with eq, ne, and, or, startswith, in, dates, nested paths and any()', async () => {
    const count = async (filter: string) => {
      const answer = await fx.http.get(
        `${devices()}?$count=true&$top=1&$filter=${encodeURIComponent(filter)}`,
        graphToken,
      );
      expect(answer.status).toBe(200);
      return answer.body['@odata.count'] as number;
    };
    expect(await count("complianceState eq 'noncompliant'")).toBe(1000);
    expect(await count("complianceState ne 'compliant' and isEncrypted eq false")).toBe(286);
    expect(await count("complianceState in ('noncompliant', 'unknown')")).toBe(2000);
    expect(await count("startswith(deviceName, 'desktop-0000')")).toBe(10);
    expect(await count('lastSyncDateTime ge 2026-01-01T01:40:00Z')).toBe(10_000 - 100);
    expect(
      await count("hardwareInformation/serialNumber eq 'SN000042' or deviceName eq 'DESKTOP-00043'"),
    ).toBe(2);
    expect(await count('userPrincipalName eq null')).toBe(2000);
    expect(await count('assignedLicenses/any(l:l/skuId eq 06ebc4ee-1bb5-47dd-8120-11324bc54e06)')).toBe(3334);
    expect(await count("not (osVersion eq '10.0.26100.4349')")).toBe(5000);
  });

  it('keeps a filter across pages', async () => {
    let url: string | undefined =
      `${devices()}?$filter=${encodeURIComponent("complianceState eq 'unknown'")}&$top=300&$select=id,complianceState`;
    let seen = 0;
    for (let pages = 0; url && pages < 10; pages++) {
      const page = await fx.http.get(url, graphToken);
      expect(
        (page.body.value as { complianceState: string }[]).every(
          (device) => device.complianceState === 'unknown',
        ),
      ).toBe(true);
      seen += page.body.value.length;
      url = page.body['@odata.nextLink'];
    }
    expect(seen).toBe(1000);
  });

  it('refuses what it does not support with 400 BadRequest', async () => {
    const cases: [string, RegExp][] = [
      [`$filter=${encodeURIComponent("deviceName eq 'x' and")}`, /^Invalid filter clause/],
      [`$filter=${encodeURIComponent("contains(deviceName, 'x') eq 'y'")}`, /^Invalid filter clause/],
      [`$filter=${encodeURIComponent("id eq 'x'")}`, /filtering on property 'id' is not supported/],
      [
        `$filter=${encodeURIComponent("color eq 'red'")}`,
        /Could not find a property named 'color' on type 'microsoft.graph.managedDevice'/,
      ],
      ['$select=id,bogus', /Could not find a property named 'bogus'/],
      ['$search=%22desktop%22', /Query option '\$search' is not supported/],
      [
        '$expand=windowsProtectionState',
        /Could not find a navigation property named 'windowsProtectionState'/,
      ],
      ['$top=-1', /Invalid value '-1' for query option \$top/],
      ['$skiptoken=garbage', /The \$skiptoken is invalid/],
    ];
    for (const [query, message] of cases) {
      const answer = await fx.http.get(`${devices()}?${query}`, graphToken);
      expect([query, answer.status, answer.body.error.code]).toEqual([query, 400, 'BadRequest']);
      expect(answer.body.error.message).toMatch(message);
    }
  });

  it("expands windowsProtectionState on beta, sorts with $orderby, and reads one device by /id or ('id')", async () => {
    const beta = await fx.http.get(
      `${fx.sim.graphUrl}/beta/deviceManagement/managedDevices?$top=2&$select=id&$expand=windowsProtectionState`,
      graphToken,
    );
    expect(beta.body.value[0]).toEqual({
      id: expect.any(String),
      windowsProtectionState: { realTimeProtectionEnabled: true, signatureUpdateOverdue: true },
    });

    const sorted = await fx.http.get(
      `${devices()}?$orderby=deviceName desc&$top=2&$select=deviceName`,
      graphToken,
    );
    expect(sorted.body.value).toEqual([{ deviceName: 'DESKTOP-09999' }, { deviceName: 'DESKTOP-09998' }]);
    const sortedNext = await fx.http.get(sorted.body['@odata.nextLink'] as string, graphToken);
    expect(sortedNext.body.value).toEqual([{ deviceName: 'DESKTOP-09997' }, { deviceName: 'DESKTOP-09996' }]);

    const id = '00000000-0000-4000-8000-000000000007';
    const bySlash = await fx.http.get(`${devices()}/${id}?$select=id,isEncrypted`, graphToken);
    const byKey = await fx.http.get(`${devices()}('${id}')?$select=id,isEncrypted`, graphToken);
    expect(bySlash.body).toEqual({ id, isEncrypted: false });
    expect(byKey.body).toEqual(bySlash.body);
    const missing = await fx.http.get(`${devices()}/nope`, graphToken);
    expect([missing.status, missing.body.error.code]).toEqual([404, 'ResourceNotFound']);
    const unknownSegment = await fx.http.get(`${fx.sim.graphUrl}/v1.0/deviceManagement/gadgets`, graphToken);
    expect([unknownSegment.status, unknownSegment.body.error.message]).toEqual([
      400,
      "Resource not found for the segment 'gadgets'.",
    ]);
    const wrongMethod = await fx.http.send('DELETE', devices(), { token: graphToken });
    expect(wrongMethod.status).toBe(405);
  });

  it('pages Defender machines by $skip up to $top 10,000 and refuses more', async () => {
    const page = await fx.http.get(`${fx.sim.defenderUrl}/api/machines?$top=4000`, defenderToken);
    expect(page.body.value).toHaveLength(4000);
    expect(page.body['@odata.nextLink']).toBe(`${fx.sim.defenderUrl}/api/machines?$top=4000&$skip=4000`);
    let url: string | undefined = page.body['@odata.nextLink'];
    let total = page.body.value.length;
    for (let pages = 0; url && pages < 5; pages++) {
      const next = await fx.http.get(url, defenderToken);
      total += next.body.value.length;
      url = next.body['@odata.nextLink'];
    }
    expect(total).toBe(10_000);
    const all = await fx.http.get(`${fx.sim.defenderUrl}/api/machines`, defenderToken);
    expect([all.body.value.length, all.body['@odata.nextLink']]).toEqual([10_000, undefined]);
    const inactive = await fx.http.get(
      `${fx.sim.defenderUrl}/api/machines?$filter=${encodeURIComponent("healthStatus eq 'Inactive'")}`,
      defenderToken,
    );
    expect(inactive.body.value).toHaveLength(1429);
    expect(inactive.body.value[0]).toEqual({
      id: '00000000000040008000000000000000',
      computerDnsName: 'DESKTOP-00000',
      healthStatus: 'Inactive',
    });
    const tooMany = await fx.http.get(`${fx.sim.defenderUrl}/api/machines?$top=10001`, defenderToken);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toMatchObject({ code: 'BadRequest', target: expect.any(String) });
  });
});
