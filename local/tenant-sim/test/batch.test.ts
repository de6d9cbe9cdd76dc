import { type FixtureSim, readerApp, startFixtureSim, tenantA, writerApp } from './fixture';

describe('$batch', () => {
  let fx: FixtureSim;
  let token: string;
  const batchUrl = () => `${fx.sim.graphUrl}/v1.0/$batch`;
  const device = (index: number) =>
    `/deviceManagement/managedDevices/00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;

  beforeAll(async () => {
    fx = await startFixtureSim({ devices: 50 });
    token = await fx.token(writerApp);
  });

  afterAll(() => fx.close());

  it('answers each inner request on its own: 200, 204, 404, 424, 400 and a throttled 429 with its own Retry-After', async () => {
    fx.sim.control.setThrottling(tenantA, { limits: { intune: [{ windowMs: 20_000, max: 4 }] } });
    const answer = await fx.http.send('POST', batchUrl(), {
      token,
      body: {
        requests: [
          { id: '1', method: 'GET', url: `${device(1)}?$select=id,deviceName` },
          { id: '2', method: 'GET', url: '/deviceManagement/managedDevices/missing' },
          { id: '3', method: 'GET', url: device(3), dependsOn: ['2'] },
          { id: '4', method: 'POST', url: `${device(4)}/syncDevice` },
          { id: '5', method: 'GET', url: device(5) },
          { id: '6', method: 'GET', url: device(6) },
          { id: '7', method: 'POST', url: `${device(7)}/syncDevice`, body: {} },
        ],
      },
    });
    expect(answer.status).toBe(200);
    const responses = answer.body.responses as {
      id: string;
      status: number;
      headers: Record<string, string>;
    }[];
    const byId = Object.fromEntries(responses.map((inner) => [inner.id, inner]));
    expect(Object.keys(byId).sort()).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(byId['1']).toMatchObject({
      status: 200,
      body: { id: expect.any(String), deviceName: 'DESKTOP-00001' },
    });
    expect(byId['2']).toMatchObject({ status: 404, body: { error: { code: 'ResourceNotFound' } } });
    expect(byId['3']).toMatchObject({ status: 424, body: { error: { code: 'FailedDependency' } } });
    expect(byId['4']).toMatchObject({ status: 204 });
    expect(byId['5']).toMatchObject({ status: 200 });
    // The window held 4: requests 1, 2, 4 and 5 took it; 6 waits for it.
    expect(byId['6']).toMatchObject({ status: 429, body: { error: { code: 'TooManyRequests' } } });
    expect(Number(byId['6']!.headers['retry-after'])).toBeGreaterThanOrEqual(19);
    expect(byId['7']).toMatchObject({
      status: 400,
      body: { error: { message: 'Content-Type header must be specified when a body is present.' } },
    });

    const counters = fx.sim.control.counterValues(tenantA);
    expect(counters.requests['POST graph-v1.0 /$batch']).toBe(1);
    expect(counters.requests['GET graph-v1.0 /deviceManagement/managedDevices/{id}']).toBe(4);
    expect(counters.throttled).toBe(1);
    expect(counters.writes).toBe(1);
    fx.sim.control.setThrottling(tenantA, { limits: { intune: [{ windowMs: 20_000, max: 1000 }] } });
  });

  it('authorises inner requests with the outer token', async () => {
    const readerToken = await fx.token(readerApp);
    const answer = await fx.http.send('POST', batchUrl(), {
      token: readerToken,
      body: {
        requests: [
          { id: 'a', method: 'POST', url: `${device(1)}/syncDevice` },
          { id: 'b', method: 'GET', url: device(1) },
        ],
      },
    });
    const responses = answer.body.responses as { id: string; status: number }[];
    const statuses = Object.fromEntries(responses.map((inner) => [inner.id, inner.status]));
    expect(statuses).toEqual({ a: 403, b: 200 });
    const unauthenticated = await fx.http.send('POST', batchUrl(), {
      body: { requests: [{ id: 'a', method: 'GET', url: device(1) }] },
    });
    expect(unauthenticated.status).toBe(401);
  });

  it('refuses 21 requests, duplicate ids, forward dependencies and absolute urls', async () => {
    const many = Array.from({ length: 21 }, (_, index) => ({
      id: String(index),
      method: 'GET',
      url: device(index),
    }));
    const tooMany = await fx.http.send('POST', batchUrl(), { token, body: { requests: many } });
    expect([tooMany.status, tooMany.body.error.code]).toEqual([400, 'BadRequest']);
    expect(tooMany.body.error.message).toMatch(/must not exceed 20/);
    const twenty = await fx.http.send('POST', batchUrl(), { token, body: { requests: many.slice(0, 20) } });
    expect(twenty.status).toBe(200);
    expect(twenty.body.responses).toHaveLength(20);

    const invalid = [
      {
        requests: [
          { id: '1', method: 'GET', url: device(1) },
          { id: '1', method: 'GET', url: device(2) },
        ],
      },
      {
        requests: [
          { id: '1', method: 'GET', url: device(1), dependsOn: ['2'] },
          { id: '2', method: 'GET', url: device(2) },
        ],
      },
      { requests: [{ id: '1', method: 'GET', url: `https://graph.microsoft.com/v1.0${device(1)}` }] },
      { requests: [] },
      { nothing: true },
    ];
    for (const body of invalid) {
      const answer = await fx.http.send('POST', batchUrl(), { token, body });
      expect([JSON.stringify(body), answer.status]).toEqual([JSON.stringify(body), 400]);
    }
  });
});
