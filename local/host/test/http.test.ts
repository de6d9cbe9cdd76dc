import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type HostHandle, runHost, startHost } from '..';
import { fixtures, httpApp, memoryLog, tempDir } from './support';

describe('local host: HTTP triggers', () => {
  const tmp = tempDir();
  const log = memoryLog();
  let host: HostHandle;

  beforeAll(async () => {
    host = await startHost({
      entry: httpApp,
      appRoot: path.dirname(httpApp), // the fixture's defaults (no host.json), not the repository's
      keysPath: path.join(tmp.dir, 'host-keys.json'),
      settings: { STARTUP_SCHEDULE: '0 0 * * * *', WORK_QUEUE: 'work-items' },
      log: log.sink,
    });
  });

  afterAll(async () => {
    await host.stop();
    tmp.remove();
  });

  const url = (route: string): string => `${host.baseUrl}/api/${route}`;

  it('passes constrained route params and repeated query values', async () => {
    const res = await fetch(url('items/42?q=laptop&tag=a&tag=b'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 42, q: 'laptop', tags: ['a', 'b'] });
  });

  it('routes by constraint: {id:int} and {name:alpha} do not collide', async () => {
    const res = await fetch(url('items/widgets'));
    expect(await res.json()).toEqual({ byName: 'widgets' });
    expect((await fetch(url('items/12abc'))).status).toBe(404);
  });

  it('serves optional parameters with and without a value', async () => {
    expect(await (await fetch(url('things/lamp'))).json()).toEqual({ name: 'lamp' });
    expect(await (await fetch(url('things'))).json()).toEqual({ name: null });
  });

  it('keeps the raw body bytes and returns status, headers and cookies from the function', async () => {
    const body = Buffer.concat([Buffer.from('{"event":"x"}  \r\n'), randomBytes(64)]);
    const res = await fetch(url('echo'), {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-test', 'x-custom': 'one' },
    });
    expect(res.status).toBe(201);
    const returned = Buffer.from(await res.arrayBuffer());
    expect(returned.equals(body)).toBe(true);
    expect(res.headers.get('x-body-sha256')).toBe(createHash('sha256').update(body).digest('hex'));
    expect(res.headers.get('content-type')).toBe('application/x-test');
    expect(res.headers.get('x-request-header')).toBe('one');
    expect(res.headers.getSetCookie()).toEqual(['session=abc123; Path=/; HttpOnly; SameSite=Strict']);
    // A webhook verifying an HMAC over the raw body computes the same digest as the sender.
    const key = 'webhook-secret';
    expect(createHmac('sha256', key).update(returned).digest('hex')).toBe(
      createHmac('sha256', key).update(body).digest('hex'),
    );
  });

  it('uses the function name as route when none is given', async () => {
    const res = await fetch(url('noRoute'), { method: 'DELETE' });
    expect(await res.json()).toEqual({ method: 'DELETE' });
  });

  it('requires a key for function and admin auth levels', async () => {
    expect((await fetch(url('secure/function'))).status).toBe(401);
    const withHeader = await fetch(url('secure/function'), {
      headers: { 'x-functions-key': host.keys.functionKey },
    });
    expect(withHeader.status).toBe(200);
    expect(await withHeader.text()).toBe('function level ok');
    expect(
      (await fetch(url(`secure/function?code=${encodeURIComponent(host.keys.functionKey)}`))).status,
    ).toBe(200);
    expect((await fetch(url(`secure/function?code=${encodeURIComponent(host.keys.masterKey)}`))).status).toBe(
      200,
    );
    expect((await fetch(url('secure/function'), { headers: { 'x-functions-key': 'wrong' } })).status).toBe(
      401,
    );

    expect(
      (await fetch(url('secure/admin'), { headers: { 'x-functions-key': host.keys.functionKey } })).status,
    ).toBe(401);
    const admin = await fetch(url(`secure/admin?code=${encodeURIComponent(host.keys.masterKey)}`));
    expect(admin.status).toBe(200);
    expect(await admin.text()).toBe('admin level ok');
  });

  it('answers unknown routes with 404 and wrong methods with 405 problem details', async () => {
    const missing = await fetch(url('nowhere'));
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await missing.json()).toMatchObject({ status: 404, title: 'Not Found', instance: '/api/nowhere' });

    const wrongMethod = await fetch(url('items/1'), { method: 'POST' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect(wrongMethod.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await wrongMethod.json()).toMatchObject({ status: 405, title: 'Method Not Allowed' });

    const unauthorized = await fetch(url('secure/admin'));
    expect(await unauthorized.json()).toMatchObject({ status: 401 });
  });

  it('turns a failing function into a 500 and logs the error with its stack', async () => {
    const res = await fetch(url('fails'));
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('kaboom');
    const failure = log.entries.find((e) => e.functionName === 'fails' && e.level === 'error');
    expect(failure?.message).toMatch(
      /^Executed 'Functions\.fails' \(Failed, Id=[0-9a-f-]{36}, Duration=\d+ms\)$/,
    );
    expect((failure?.error as Error).stack).toContain('kaboom from the fixture');
  });

  it('logs invocation start and end with id and duration, forwards context.log, and never logs keys', async () => {
    await fetch(url('echo'), { method: 'POST', body: 'abc' });
    const echo = log.entries.filter((e) => e.functionName === 'echo');
    const started = echo.find((e) => e.message.startsWith("Executing 'Functions.echo'"));
    expect(started?.message).toMatch(/\(Reason='HTTP POST \/api\/echo', Id=[0-9a-f-]{36}\)$/);
    expect(
      echo.some((e) => /^Executed 'Functions\.echo' \(Succeeded, Id=.*, Duration=\d+ms\)$/.test(e.message)),
    ).toBe(true);
    expect(echo.some((e) => e.category === 'user' && e.message === 'echo received 3 bytes')).toBe(true);
    const text = log.text();
    for (const key of Object.values(host.keys)) expect(text).not.toContain(key);
  });

  it('warns at start about triggers and bindings it does not serve', () => {
    const warnings = log.entries.filter((e) => e.level === 'warning' && e.category === 'host');
    expect(warnings).toContainEqual(
      expect.objectContaining({
        functionName: 'workItem',
        message: expect.stringMatching(/No trigger source serves "queueTrigger"/),
      }),
    );
    expect(warnings).toContainEqual(
      expect.objectContaining({
        functionName: 'queuesWork',
        message: expect.stringMatching(/output "queue"/),
      }),
    );
  });

  it('keeps generated keys in the keys file and reuses them on the next start', async () => {
    const file = JSON.parse(readFileSync(path.join(tmp.dir, 'host-keys.json'), 'utf8')) as {
      masterKey: string;
    };
    expect(file.masterKey).toBe(host.keys.masterKey);
    const second = await startHost({
      entry: httpApp,
      appRoot: path.dirname(httpApp), // the fixture's defaults (no host.json), not the repository's
      keysPath: path.join(tmp.dir, 'host-keys.json'),
      settings: { STARTUP_SCHEDULE: '0 0 * * * *', WORK_QUEUE: 'q' },
      log: () => undefined,
    });
    try {
      expect(second.keys).toEqual(host.keys);
      // Same entry twice in one process: the second host serves the functions captured by the first load.
      expect((await fetch(`${second.baseUrl}/api/items/7`)).status).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it('takes the route prefix from host.json and resolves %SETTING% in it', async () => {
    const prefixed = await startHost({
      entry: path.join(fixtures, 'prefixed', 'index.ts'),
      appRoot: path.join(fixtures, 'prefixed'),
      keysPath: path.join(tmp.dir, 'host-keys.json'),
      settings: { HUB_NAME: 'PrefixedHub' },
      log: () => undefined,
    });
    try {
      const res = await fetch(`${prefixed.baseUrl}/v1/hello/world`);
      expect(await res.text()).toBe('hello world');
      expect((await fetch(`${prefixed.baseUrl}/api/hello/world`)).status).toBe(404);
      expect(prefixed.durableClientData().taskHubName).toBe('PrefixedHub');
    } finally {
      await prefixed.stop();
    }
  });

  it('runHost lists function URLs and trigger types without printing keys', async () => {
    const startLog = memoryLog();
    const cli = await runHost({
      entry: httpApp,
      appRoot: path.dirname(httpApp), // the fixture's defaults (no host.json), not the repository's
      port: 0,
      keysPath: path.join(tmp.dir, 'host-keys.json'),
      settings: { STARTUP_SCHEDULE: '0 0 0 * * *', WORK_QUEUE: 'q' },
      log: startLog.sink,
    });
    try {
      const listing = startLog.entries.find((e) => e.message.startsWith('Functions:'))?.message ?? '';
      expect(listing).toContain(`getItem: [GET] http://localhost:${cli.port}/api/items/{id:int}`);
      expect(listing).toContain('everyFiveMinutes: timerTrigger');
      expect(listing).toContain('workItem: queueTrigger');
      for (const key of Object.values(cli.keys)) expect(startLog.text()).not.toContain(key);
    } finally {
      await cli.stop();
    }
  });
});
