import { WallClock } from '@mds/platform-kit';
import { startSimServer } from '../server';
import { FixtureModel, type FixtureSim, readerApp, startFixtureSim, tenantA } from './fixture';
import { SimHttp, testCertificate } from './support';

describe('control API (/_sim)', () => {
  let fx: FixtureSim;
  const control = (path: string) => `${fx.sim.url}/_sim${path}`;

  beforeAll(async () => {
    fx = await startFixtureSim({ devices: 5 });
  });

  afterAll(() => fx.close());

  it('lists its endpoints, and 404s an unknown one', async () => {
    const index = await fx.http.get(control(''));
    expect(index.body.endpoints).toEqual(
      expect.arrayContaining([
        'POST /_sim/tenants',
        'POST /_sim/clock/advance',
        'POST /_sim/tokens/operator',
      ]),
    );
    expect((await fx.http.get(control('/nothing'))).status).toBe(404);
  });

  it("creates tenants through the model and lists them with their apps' credentials", async () => {
    const tenantId = '99999999-9999-4999-8999-999999999999';
    const created = await fx.http.send('POST', control('/tenants'), {
      body: {
        id: tenantId,
        displayName: 'Woodgrove',
        apps: [
          {
            clientId: 'eeeeeeee-0000-4000-8000-000000000001',
            clientSecret: 'woodgrove-secret-0123456789',
            permissions: ['Machine.Read.All'],
          },
        ],
        deviceCount: 2,
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: tenantId,
      displayName: 'Woodgrove',
      apps: [
        {
          clientId: 'eeeeeeee-0000-4000-8000-000000000001',
          clientSecret: 'woodgrove-secret-0123456789',
          hasCertificate: false,
          permissions: ['Machine.Read.All'],
        },
      ],
    });
    const list = await fx.http.get(control('/tenants'));
    expect((list.body as { id: string }[]).map((tenant) => tenant.id)).toEqual(
      expect.arrayContaining([tenantA, tenantId]),
    );
    const one = await fx.http.get(control(`/tenants/${tenantA}`));
    expect(
      (one.body.apps as { clientId: string; clientSecret?: string }[]).find(
        (app) => app.clientId === readerApp.clientId,
      )?.clientSecret,
    ).toBe(readerApp.clientSecret);
    expect((await fx.http.get(control('/tenants/00000000-0000-0000-0000-000000000000'))).status).toBe(404);
    const refused = await fx.http.send('POST', control('/tenants'), { body: { displayName: 'no id' } });
    expect([refused.status, refused.body.error]).toEqual([400, 'Invalid tenant spec: id is required']);
  });

  it('passes device behaviours to the model', async () => {
    const answer = await fx.http.send('PUT', control(`/tenants/${tenantA}/devices/SN000001/behaviour`), {
      body: { stallAt: 'enrollment' },
    });
    expect(answer.status).toBe(204);
    expect(fx.model.behaviours).toContainEqual({
      tenantId: tenantA,
      serialOrId: 'SN000001',
      behaviour: { stallAt: 'enrollment' },
    });
  });

  it('sets, reads and clears faults and throttling, validating the bodies', async () => {
    const faults = { seed: 5, errors: { rate: 0.5, statuses: [503] }, latency: { fixedMs: 10 } };
    expect((await fx.http.send('PUT', control(`/tenants/${tenantA}/faults`), { body: faults })).body).toEqual(
      faults,
    );
    expect((await fx.http.get(control(`/tenants/${tenantA}/faults`))).body).toEqual(faults);
    expect((await fx.http.send('DELETE', control(`/tenants/${tenantA}/faults`))).status).toBe(204);
    expect((await fx.http.get(control(`/tenants/${tenantA}/faults`))).body).toEqual({});
    const badRate = await fx.http.send('PUT', control(`/tenants/${tenantA}/faults`), {
      body: { errors: { rate: 2 } },
    });
    expect(badRate.status).toBe(400);
    expect(badRate.body.error).toMatch(/errors\.rate/);

    const throttling = await fx.http.send('PUT', control(`/tenants/${tenantA}/throttling`), {
      body: { limits: { defender: [{ windowMs: 1000, max: 1 }] } },
    });
    expect(throttling.body).toMatchObject({
      enabled: true,
      limits: {
        defender: [{ windowMs: 1000, max: 1 }],
        intune: [
          { windowMs: 20_000, max: 1000 },
          { windowMs: 20_000, max: 100, writesOnly: true },
        ],
      },
    });
    const badLimit = await fx.http.send('PUT', control(`/tenants/${tenantA}/throttling`), {
      body: { limits: { galaxy: [] } },
    });
    expect(badLimit.status).toBe(400);
  });

  it('advances a virtual clock and says so', async () => {
    const before = (await fx.http.get(control('/clock'))).body;
    expect(before.virtual).toBe(true);
    let fired = 0;
    fx.clock.schedule((before.epochMs as number) + 3 * 3600_000, () => fired++);
    const after = await fx.http.send('POST', control('/clock/advance'), { body: { ms: 3 * 3600_000 } });
    expect(after.body.epochMs).toBe(before.epochMs + 3 * 3600_000);
    expect(fired).toBe(1);
    const to = await fx.http.send('POST', control('/clock/advance'), {
      body: { to: '2030-01-01T00:00:00Z' },
    });
    expect(to.body.now).toBe('2030-01-01T00:00:00.000Z');
    expect((await fx.http.send('POST', control('/clock/advance'), { body: { ms: -5 } })).status).toBe(400);
  });

  it('reads and resets counters', async () => {
    const token = await fx.token();
    await fx.http.get(`${fx.sim.graphUrl}/v1.0/deviceManagement/managedDevices`, token);
    const counters = (await fx.http.get(control(`/tenants/${tenantA}/counters`))).body;
    expect(counters.requests['GET graph-v1.0 /deviceManagement/managedDevices']).toBeGreaterThanOrEqual(1);
    expect(counters.tokensIssued).toBeGreaterThanOrEqual(1);
    expect((await fx.http.get(control('/counters'))).body[tenantA]).toEqual(counters);
    expect((await fx.http.send('DELETE', control(`/tenants/${tenantA}/counters`))).status).toBe(204);
    expect((await fx.http.get(control(`/tenants/${tenantA}/counters`))).body).toEqual({
      requests: {},
      throttled: 0,
      throttledBySurface: {},
      faults: 0,
      writes: 0,
      tokensIssued: 0,
    });
  });

  it('refuses to advance wall time with 409', async () => {
    const cert = await testCertificate();
    const sim = await startSimServer({ cert, clock: new WallClock(), model: new FixtureModel(), routes: [] });
    const http = new SimHttp(cert.cert);
    try {
      const answer = await http.send('POST', `${sim.url}/_sim/clock/advance`, { body: { ms: 1000 } });
      expect(answer.status).toBe(409);
      expect((await http.get(`${sim.url}/_sim/clock`)).body.virtual).toBe(false);
    } finally {
      http.close();
      await sim.stop();
      cert.dispose();
    }
  });
});
