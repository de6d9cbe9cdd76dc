import { type FixtureSim, readerApp, startFixtureSim, tenantA, tenantB } from './fixture';

describe('injected faults and latency', () => {
  let fx: FixtureSim;
  let token: string;
  const devices = () => `${fx.sim.graphUrl}/v1.0/deviceManagement/managedDevices?$top=1`;

  beforeAll(async () => {
    fx = await startFixtureSim({ devices: 5, throttling: { enabled: false } });
    token = await fx.token();
  });

  afterEach(() => fx.sim.control.setFaults(tenantA, undefined));
  afterAll(() => fx.close());

  const statuses = async (count: number) => {
    const seen: number[] = [];
    for (let i = 0; i < count; i++) seen.push((await fx.http.get(devices(), token)).status);
    return seen;
  };

  it('fails about the configured share of requests with 503/504 bodies, the same ones for the same seed', async () => {
    fx.sim.control.resetCounters(tenantA);
    fx.sim.control.setFaults(tenantA, {
      seed: 42,
      errors: { rate: 0.3, statuses: [503, 504], retryAfterSeconds: 7 },
    });
    const first = await statuses(200);
    const failed = first.filter((status) => status >= 500);
    expect(failed.length).toBeGreaterThan(40);
    expect(failed.length).toBeLessThan(80);
    expect(new Set(failed)).toEqual(new Set([503, 504]));
    expect(fx.sim.control.counterValues(tenantA).faults).toBe(failed.length);

    fx.sim.control.setFaults(tenantA, {
      seed: 42,
      errors: { rate: 0.3, statuses: [503, 504], retryAfterSeconds: 7 },
    });
    expect(await statuses(200)).toEqual(first);

    fx.sim.control.setFaults(tenantA, {
      seed: 7,
      errors: { rate: 1, statuses: [503], retryAfterSeconds: 7 },
    });
    const unavailable = await fx.http.get(devices(), token);
    expect([unavailable.status, unavailable.headers['retry-after'], unavailable.body.error.code]).toEqual([
      503,
      '7',
      'ServiceUnavailable',
    ]);
    fx.sim.control.setFaults(tenantA, { errors: { rate: 1, statuses: [504] } });
    const timeout = await fx.http.get(devices(), token);
    expect([timeout.status, timeout.headers['retry-after'], timeout.body.error.code]).toEqual([
      504,
      undefined,
      'GatewayTimeout',
    ]);
  });

  it('429s the next N requests of a throttling burst', async () => {
    const before = fx.sim.control.counterValues(tenantA).throttled;
    fx.sim.control.setFaults(tenantA, { throttleBurst: { count: 3, retryAfterSeconds: 4 } });
    const answers = await Promise.all([0, 1, 2].map(() => fx.http.get(devices(), token)));
    expect(answers.map((answer) => [answer.status, answer.headers['retry-after']])).toEqual([
      [429, '4'],
      [429, '4'],
      [429, '4'],
    ]);
    expect((await fx.http.get(devices(), token)).status).toBe(200);
    expect(fx.sim.control.counterValues(tenantA).throttled - before).toBe(3);
  });

  it('adds latency, fixed and jittered, only to the configured tenant', async () => {
    fx.sim.control.setFaults(tenantA, { latency: { fixedMs: 150 } });
    let start = performance.now();
    await fx.http.get(devices(), token);
    expect(performance.now() - start).toBeGreaterThanOrEqual(145);

    const tokenB = await fx.token(readerApp, tenantB);
    start = performance.now();
    await fx.http.get(devices(), tokenB);
    expect(performance.now() - start).toBeLessThan(100);

    fx.sim.control.setFaults(tenantA, { seed: 3, latency: { fixedMs: 20, jitterMs: 80 } });
    const durations: number[] = [];
    for (let i = 0; i < 6; i++) {
      start = performance.now();
      await fx.http.get(devices(), token);
      durations.push(performance.now() - start);
    }
    expect(Math.min(...durations)).toBeGreaterThanOrEqual(19);
    expect(Math.max(...durations) - Math.min(...durations)).toBeGreaterThan(5);
  });

  it('restricts faults to matching requests', async () => {
    fx.sim.control.setFaults(tenantA, { errors: { rate: 1 }, match: { surfaces: ['defender'] } });
    expect((await fx.http.get(devices(), token)).status).toBe(200);
    const defender = await fx.token(readerApp, tenantA, 'https://api.securitycenter.microsoft.com/.default');
    const machines = await fx.http.get(`${fx.sim.defenderUrl}/api/machines`, defender);
    expect([machines.status, machines.body.error.code, typeof machines.body.error.target]).toEqual([
      503,
      'ServiceUnavailable',
      'string',
    ]);
  });
});
