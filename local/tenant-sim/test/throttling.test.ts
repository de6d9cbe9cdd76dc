import { type FixtureSim, readerApp, startFixtureSim, tenantA, writerApp } from './fixture';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('throttling per tenant per app, on real time (and the scenario clock)', () => {
  let fx: FixtureSim;
  let reader: string;
  let writer: string;
  const devices = () => `${fx.sim.graphUrl}/v1.0/deviceManagement/managedDevices?$top=1`;

  beforeAll(async () => {
    fx = await startFixtureSim({ devices: 20 });
    [reader, writer] = await Promise.all([fx.token(readerApp), fx.token(writerApp)]);
  });

  afterAll(() => fx.close());

  it('answers 429 TooManyRequests with Retry-After = seconds until the oldest request leaves the window, then admits again', async () => {
    const windowMs = 1500;
    fx.sim.control.setThrottling(tenantA, { enabled: true, limits: { intune: [{ windowMs, max: 5 }] } });
    const firstSent = performance.now();
    expect((await fx.http.get(devices(), reader)).status).toBe(200);
    const firstAnswered = performance.now();
    for (let i = 0; i < 4; i++) expect((await fx.http.get(devices(), reader)).status).toBe(200);

    // The server saw the first request somewhere in [firstSent, firstAnswered] and the refused one in
    // [sent, answered]; Retry-After is the rest of the window, rounded up to whole seconds.
    const expectRetryAfter = async () => {
      const sent = performance.now();
      const refused = await fx.http.get(devices(), reader);
      const answered = performance.now();
      expect(refused.status).toBe(429);
      expect(refused.body.error).toMatchObject({
        code: 'TooManyRequests',
        innerError: { date: expect.any(String) },
      });
      const shortest = Math.max(1, Math.ceil((firstSent + windowMs - answered) / 1000));
      const longest = Math.max(1, Math.ceil((firstAnswered + windowMs - sent) / 1000));
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(shortest);
      expect(retryAfter).toBeLessThanOrEqual(longest);
      return retryAfter;
    };
    await expectRetryAfter();

    // Another app of the same tenant has a window of its own.
    expect((await fx.http.get(devices(), writer)).status).toBe(200);

    await sleep(Math.max(0, firstSent + 700 - performance.now()));
    const retryAfter = await expectRetryAfter();
    await sleep(retryAfter * 1000);
    expect((await fx.http.get(devices(), reader)).status).toBe(200);
    expect(fx.sim.control.counterValues(tenantA).throttled).toBe(2);
  });

  it('limits writes separately from reads', async () => {
    fx.sim.control.setThrottling(tenantA, {
      limits: {
        intune: [
          { windowMs: 20_000, max: 100 },
          { windowMs: 20_000, max: 2, writesOnly: true },
        ],
      },
    });
    const sync = () =>
      fx.http.send(
        'POST',
        `${fx.sim.graphUrl}/v1.0/deviceManagement/managedDevices/00000000-0000-4000-8000-000000000001/syncDevice`,
        { token: writer },
      );
    expect((await sync()).status).toBe(204);
    expect((await sync()).status).toBe(204);
    const third = await sync();
    expect([third.status, third.headers['retry-after']]).toEqual([429, '20']);
    expect((await fx.http.get(devices(), writer)).status).toBe(200);
  });

  it("applies Defender's own limits per API: deviceavinfo 30 a minute while machines stay open", async () => {
    const defender = await fx.token(readerApp, tenantA, 'https://api.securitycenter.microsoft.com/.default');
    const avinfo = `${fx.sim.defenderUrl}/api/deviceavinfo`;
    const statuses = [];
    for (let i = 0; i < 31; i++) statuses.push((await fx.http.get(avinfo, defender)).status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(30);
    const refused = await fx.http.get(avinfo, defender);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(59);
    expect(refused.body.error).toMatchObject({ code: 'TooManyRequests', target: expect.any(String) });
    expect((await fx.http.get(`${fx.sim.defenderUrl}/api/machines`, defender)).status).toBe(200);
  });

  it('frees a window once its length has passed on the scenario clock, as a durable timer would find it', async () => {
    fx.sim.control.setThrottling(tenantA, {
      enabled: true,
      limits: { intune: [{ windowMs: 60_000, max: 2 }] },
    });
    for (let i = 0; i < 2; i++) expect((await fx.http.get(devices(), reader)).status).toBe(200);
    const refused = await fx.http.get(devices(), reader);
    expect(refused.status).toBe(429);
    // A simulated minute passes in no real time: the window is no longer full.
    await fx.clock.advance(59_000);
    expect((await fx.http.get(devices(), reader)).status).toBe(429);
    await fx.clock.advance(1_000);
    expect((await fx.http.get(devices(), reader)).status).toBe(200);
    expect(fx.sim.control.counterValues(tenantA).throttled).toBeGreaterThanOrEqual(2);
  });

  it('can be switched off per tenant and for everyone', async () => {
    fx.sim.control.setThrottling(tenantA, {
      enabled: false,
      limits: { intune: [{ windowMs: 60_000, max: 1 }] },
    });
    for (let i = 0; i < 5; i++) expect((await fx.http.get(devices(), reader)).status).toBe(200);
    const answer = await fx.http.send('PUT', `${fx.sim.url}/_sim/throttling`, { body: { enabled: false } });
    expect(answer.body.enabled).toBe(false);
    expect(fx.sim.control.throttling().enabled).toBe(false);
  });
});
