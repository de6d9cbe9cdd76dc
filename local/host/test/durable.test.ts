import path from 'node:path';
import { VirtualClock } from '@mds/platform-kit';
import { DurableApiError, type HostHandle, startHost } from '..';
import { probe } from './fixtures/probe';
import { durableApp, memoryLog, tempDir } from './support';

const day = 86_400_000;

type HistoryEvent = { EventType: string; EventId: number; FireAt?: string; Name?: string; TimerId?: number };

describe('local host: Durable Functions', () => {
  const tmp = tempDir();
  const log = memoryLog();
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
  let host: HostHandle;

  beforeAll(async () => {
    host = await startHost({
      entry: durableApp,
      appRoot: path.dirname(durableApp), // the fixture's defaults (no host.json), not the repository's
      clock,
      keysPath: path.join(tmp.dir, 'keys.json'),
      log: log.sink,
      maxConcurrentActivities: 4,
    });
  });

  afterAll(async () => {
    await host.stop();
    tmp.remove();
  });

  // Event ids are the engine's, not part of the HTTP API's history view.
  const historyOf = (id: string): Promise<HistoryEvent[]> =>
    Promise.resolve(host.durable.internalHistory(id) as HistoryEvent[]);
  const api = (route: string, init?: RequestInit): Promise<Response> =>
    fetch(`${host.baseUrl}/api/${route}`, { method: 'POST', ...init });

  it('runs an activity sequence started over the HTTP API', async () => {
    const id = await host.durable.startNew('helloSequence', { instanceId: 'seq-1' });
    const status = await host.waitForInstance(id);
    expect(status).toMatchObject({
      name: 'helloSequence',
      instanceId: 'seq-1',
      runtimeStatus: 'Completed',
      input: null,
    });
    expect(status.output).toEqual(['Hello Tokyo', 'Hello Seattle', 'Hello London']);
    expect(status.createdTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('retries a failing activity (fails twice, then succeeds) on retry timers', async () => {
    const start = clock.now();
    const id = await host.durable.startNew('retrying');
    const status = await host.waitForInstance(id);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual({ key: id, attempt: 3 });
    expect(probe.of('flaky').filter((r) => (r as { key: string }).key === id)).toHaveLength(3);
    // Each attempt and each retry timer took the next event id; backoff 5 s then 10 s on the virtual clock.
    const scheduled = (await historyOf(id)).filter(
      (e) => e.EventType === 'TaskScheduled' || e.EventType === 'TimerCreated',
    );
    expect(scheduled.map((e) => [e.EventType, e.EventId])).toEqual([
      ['TaskScheduled', 0],
      ['TimerCreated', 1],
      ['TaskScheduled', 2],
      ['TimerCreated', 3],
      ['TaskScheduled', 4],
    ]);
    const timerDelays = scheduled.filter((e) => e.FireAt).map((e) => Date.parse(e.FireAt!) - start);
    expect(timerDelays).toEqual([5_000, 15_000]);
  });

  it('surfaces the last failure once the retry attempts are used up', async () => {
    const id = await host.durable.startNew('retriesExhausted');
    const status = await host.waitForInstance(id);
    expect(status.output).toBe(`caught: Activity function 'flaky' failed: flaky failure 2 for ${id} \n `);
    expect(probe.of('flaky').filter((r) => (r as { key: string }).key === id)).toHaveLength(2);
  });

  it('skips a three-day durable timer on the virtual clock, with custom status on the status endpoint', async () => {
    const started = clock.now();
    const id = await host.durable.startNew('longWait', { input: 3 });
    await host.waitForIdle();
    const waiting = await fetch(
      `${host.baseUrl}/runtime/webhooks/durabletask/instances/${id}?code=${encodeURIComponent(host.keys.durableTaskKey)}`,
    );
    expect(waiting.status).toBe(202);
    expect(await waiting.json()).toMatchObject({
      runtimeStatus: 'Running',
      customStatus: { phase: 'waiting', days: 3 },
    });

    const realStart = Date.now();
    const status = await host.waitForInstance(id);
    expect(Date.now() - realStart).toBeLessThan(2000);
    const output = status.output as { startedAt: string; firedAt: string };
    expect(Date.parse(output.firedAt) - Date.parse(output.startedAt)).toBe(3 * day);
    expect(clock.now() - started).toBeGreaterThanOrEqual(3 * day);
    expect(status.customStatus).toEqual({ phase: 'done' });
  });

  it('splits a timer longer than the maximum short timer into intervals, as the library does', async () => {
    const id = await host.durable.startNew('longWait', { input: 10 });
    const status = await host.waitForInstance(id);
    const output = status.output as { startedAt: string; firedAt: string };
    expect(Date.parse(output.firedAt) - Date.parse(output.startedAt)).toBe(10 * day);
    // 10 days with the default 6-day maximum and 3-day interval: timers at +3, +6 and +10 days.
    const timers = (await historyOf(id)).filter((e) => e.EventType === 'TimerCreated');
    expect(
      timers.map((e) => [e.EventId, (Date.parse(e.FireAt!) - Date.parse(output.startedAt)) / day]),
    ).toEqual([
      [0, 3],
      [1, 6],
      [2, 10],
    ]);
  });

  it('delivers an external event raised through the HTTP API', async () => {
    const id = await host.durable.startNew('approval');
    await host.waitForIdle();
    expect((await host.durable.getStatus(id))?.customStatus).toBe('waiting for approval');
    const res = await fetch(
      `${host.baseUrl}/runtime/webhooks/durabletask/instances/${id}/raiseEvent/Approval?code=${encodeURIComponent(host.keys.durableTaskKey)}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ by: 'operator-1' }),
      },
    );
    expect(res.status).toBe(202);
    const status = await host.waitForInstance(id);
    expect(status).toMatchObject({
      runtimeStatus: 'Completed',
      output: { by: 'operator-1' },
      customStatus: 'approved',
    });
  });

  it('delivers an external event raised through df.getClient in a function', async () => {
    const id = await host.durable.startNew('approvalOrTimeout');
    await host.waitForIdle();
    expect((await api(`client/raise/${id}`, { body: JSON.stringify('yes') })).status).toBe(202);
    const status = await host.waitForInstance(id);
    expect(status.output).toEqual({ approved: 'yes' });
  });

  it('never fires a timer the orchestrator canceled', async () => {
    const id = await host.durable.startNew('cancelDeadline');
    await host.waitForIdle();
    await host.durable.raiseEvent(id, 'Approval', true);
    await host.waitForIdle();
    await clock.advance(2 * day);
    await host.durable.raiseEvent(id, 'Confirm', 'confirmed');
    expect((await host.waitForInstance(id)).output).toBe('confirmed');
    expect((await historyOf(id)).filter((e) => e.EventType === 'TimerFired')).toEqual([]);
  });

  it('lets the other branch of Task.any win when no event comes', async () => {
    const id = await host.durable.startNew('approvalOrTimeout');
    const status = await host.waitForInstance(id);
    expect(status.output).toEqual({ approved: false, timedOut: true });
  });

  it('keeps events raised before the orchestrator waits for them', async () => {
    const id = await host.durable.startNew('earlyEvent');
    await host.waitForIdle();
    await host.durable.raiseEvent(id, 'Go', 1);
    await host.durable.raiseEvent(id, 'Go', 2);
    const status = await host.waitForInstance(id);
    expect(status.output).toEqual([1, 2]);
  });

  it('fans out to 50 activities and fans in, with bounded activity concurrency', async () => {
    const id = await host.durable.startNew('fanOut', { input: 50 });
    const status = await host.waitForInstance(id);
    expect(status.output).toBe(2 * ((50 * 51) / 2));
    // maxConcurrentActivities is 4 for this host: never more, and the fan-out does reach it.
    expect(Math.max(...(probe.of('slowDouble') as number[]))).toBe(4);
  });

  it('loops five generations with continueAsNew', async () => {
    const id = await host.durable.startNew('counter', { input: { generation: 1, max: 5, seen: [] } });
    const status = await host.waitForInstance(id);
    expect(status).toMatchObject({
      runtimeStatus: 'Completed',
      output: [2, 4, 6, 8, 10],
      customStatus: { generation: 5 },
    });
    expect(status.input).toEqual({ generation: 5, max: 5, seen: [2, 4, 6, 8] });
  });

  it('runs sub-orchestrations with and without an instance id, and with retry', async () => {
    const id = await host.durable.startNew('parent', { instanceId: 'family' });
    const status = await host.waitForInstance(id);
    expect(status.output).toEqual({
      greetings: ['Hello Oslo'],
      named: ['Hello Lima'],
      retried: { key: 'family-flaky', attempt: 2 },
    });
    expect(await host.durable.getStatus('family-child')).toMatchObject({
      runtimeStatus: 'Completed',
      output: ['Hello Lima'],
    });
    const failedFirstAttempt = await host.durable.getStatus('family:2');
    expect(failedFirstAttempt?.runtimeStatus).toBe('Failed');
  });

  it('terminates a running instance, then purges it', async () => {
    const id = await host.durable.startNew('waitForever');
    await host.waitForIdle();
    await host.durable.terminate(id, 'no longer needed');
    const status = await host.waitForInstance(id);
    expect(status).toMatchObject({ runtimeStatus: 'Terminated', output: 'no longer needed' });
    await expect(host.durable.terminate(id, 'again')).rejects.toMatchObject({ status: 410 });

    expect(await host.durable.purge(id)).toBe(1);
    expect(await host.durable.getStatus(id)).toBeUndefined();
    expect(await host.durable.purge(id)).toBe(0);
  });

  it('refuses to purge a running instance', async () => {
    const id = await host.durable.startNew('waitForever');
    await expect(host.durable.purge(id)).rejects.toMatchObject({ status: 412 });
    await host.durable.terminate(id, 'cleanup');
    await host.waitForInstance(id);
  });

  it('terminates and purges through the durable client in a function', async () => {
    const id = await host.durable.startNew('waitForever');
    await host.waitForIdle();
    expect((await api(`client/terminate/${id}`, { body: 'by client' })).status).toBe(202);
    expect(await host.waitForInstance(id)).toMatchObject({
      runtimeStatus: 'Terminated',
      output: 'by client',
    });
    expect(await (await api(`client/purge/${id}`)).json()).toEqual({ instancesDeleted: 1 });
    expect(await (await api(`client/purge/${id}`)).json()).toEqual({ instancesDeleted: 0 });
  });

  it('rejects starting an instance id that is still running, and restarts a finished one', async () => {
    const first = await api('client/start/singleton');
    expect(await first.json()).toEqual({ id: 'singleton' });
    const again = await api('client/start/singleton');
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toMatch(/409.*already exists/);
    await expect(host.durable.startNew('waitForever', { instanceId: 'singleton' })).rejects.toBeInstanceOf(
      DurableApiError,
    );

    await host.durable.terminate('singleton', 'done');
    await host.waitForInstance('singleton');
    expect(await (await api('client/start/singleton')).json()).toEqual({ id: 'singleton' });
    await host.waitForIdle();
    expect((await host.durable.getStatus('singleton'))?.runtimeStatus).toBe('Running');
    await host.durable.terminate('singleton', 'cleanup');
    await host.waitForInstance('singleton');
  });

  it('answers with createCheckStatusResponse URLs that work', async () => {
    const res = await api('orchestrators/approval/check-1');
    expect(res.status).toBe(202);
    const links = (await res.json()) as Record<string, string>;
    expect(res.headers.get('location')).toBe(links.statusQueryGetUri);
    expect(
      links.statusQueryGetUri?.startsWith(`${host.baseUrl}/runtime/webhooks/durabletask/instances/check-1?`),
    ).toBe(true);

    const running = await fetch(links.statusQueryGetUri!);
    expect(running.status).toBe(202);
    expect(await running.json()).toMatchObject({
      name: 'approval',
      instanceId: 'check-1',
      runtimeStatus: expect.stringMatching(/Pending|Running/),
    });

    const raised = await fetch(links.sendEventPostUri!.replace('{eventName}', 'Approval'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '"via link"',
    });
    expect(raised.status).toBe(202);
    await host.waitForInstance('check-1');
    const done = await fetch(links.statusQueryGetUri!);
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ runtimeStatus: 'Completed', output: 'via link' });

    const purged = await fetch(links.purgeHistoryDeleteUri!, { method: 'DELETE' });
    expect(await purged.json()).toEqual({ instancesDeleted: 1 });
  });

  it('builds createHttpManagementPayload URLs for this host, with a working terminate link', async () => {
    const id = await host.durable.startNew('waitForever');
    const payload = (await (await api(`client/payload/${id}`)).json()) as Record<string, string>;
    expect(payload.id).toBe(id);
    const terminate = await fetch(payload.terminatePostUri!.replace('{text}', 'via%20payload'), {
      method: 'POST',
    });
    expect(terminate.status).toBe(202);
    expect(await host.waitForInstance(id)).toMatchObject({
      runtimeStatus: 'Terminated',
      output: 'via payload',
    });
  });

  it('reads status through the client and filters instances with getStatusBy', async () => {
    const id = await host.durable.startNew('helloSequence', { input: ['Rome'] });
    await host.waitForInstance(id);
    const status = (await (await api(`client/status/${id}`)).json()) as {
      output: unknown;
      runtimeStatus: string;
    };
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: ['Hello Rome'] });
    const completed = (await (await api('client/statusBy/any')).json()) as {
      instanceId: string;
      runtimeStatus: string;
    }[];
    expect(completed.some((s) => s.instanceId === id)).toBe(true);
    expect(completed.every((s) => s.runtimeStatus === 'Completed')).toBe(true);
  });

  it('starts orchestrations from a timer-triggered client function', async () => {
    // Nothing has started "nightly" yet: waiting jumps the clock to the starter's 02:00 occurrence.
    const status = await host.waitForInstance('nightly');
    expect(status.output).toEqual(['Hello Nightly']);
    expect(probe.of('nightlyStarter').length).toBeGreaterThanOrEqual(1);
  });

  it('fails a non-deterministic orchestrator, naming the expected and the actual action', async () => {
    const id = await host.durable.startNew('nonDeterministic');
    const status = await host.waitForInstance(id);
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.output).toBe(
      "Orchestrator function 'nonDeterministic' failed: Non-deterministic workflow detected: event id 0 is TaskScheduled 'sayHello' (CallActivity) in the history, but the orchestrator now schedules CallActivity 'double' there.",
    );
  });

  it('fails starts for unknown orchestrators and answers 404 for unknown instances', async () => {
    await expect(host.durable.startNew('noSuchOrchestrator')).rejects.toMatchObject({ status: 400 });
    expect(await host.durable.getStatus('no-such-instance')).toBeUndefined();
    await expect(host.durable.raiseEvent('no-such-instance', 'x')).rejects.toMatchObject({ status: 404 });
    const unauthorized = await fetch(`${host.baseUrl}/runtime/webhooks/durabletask/instances/x`);
    expect(unauthorized.status).toBe(401);
  });
});
