import path from 'node:path';
import { VirtualClock } from '@mds/platform-kit';
import {
  FunctionInvocationError,
  type HostHandle,
  type TriggerSourceContext,
  registerTriggerSource,
  startHost,
} from '..';
import { probe } from './fixtures/probe';
import { httpApp, memoryLog, tempDir } from './support';

interface TimerSeen {
  isPastDue: boolean;
  schedule: { adjustForDST: boolean };
  scheduleStatus: { last: string; next: string; lastUpdated: string };
}

const minute = 60_000;

describe('local host: timers, admin API, hooks and trigger sources', () => {
  const tmp = tempDir();
  const log = memoryLog();
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 2, 30));
  const sourceCalls: { context: TriggerSourceContext; stopped: boolean }[] = [];
  let unregister: () => void;
  let host: HostHandle;

  beforeAll(async () => {
    probe.reset();
    // A stand-in for the Service Bus source: it sees the queue functions and calls back into the host.
    unregister = registerTriggerSource('queueTrigger', (context) => {
      const entry = { context, stopped: false };
      sourceCalls.push(entry);
      return {
        stop: () => {
          entry.stopped = true;
          return Promise.resolve();
        },
      };
    });
    host = await startHost({
      entry: httpApp,
      clock,
      keysPath: path.join(tmp.dir, 'keys.json'),
      settings: { STARTUP_SCHEDULE: '0 0 */6 * * *', WORK_QUEUE: 'work-items' },
      log: log.sink,
    });
    await host.waitForIdle();
  });

  afterAll(async () => {
    await host.stop();
    unregister();
    tmp.remove();
  });

  it('runs runOnStartup timers once at start, with a %SETTING% schedule', () => {
    const runs = probe.of('startupTimer') as TimerSeen[];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toEqual({
      isPastDue: false,
      schedule: { adjustForDST: true },
      scheduleStatus: {
        last: '0001-01-01T00:00:00',
        next: '2026-01-05T12:00:00.000Z',
        lastUpdated: '2026-01-05T09:02:30.000Z',
      },
    });
  });

  it('fires a six-field NCRONTAB timer on the virtual clock, once per occurrence', async () => {
    await clock.advance(30 * minute);
    await host.waitForIdle();
    const runs = probe.of('everyFiveMinutes') as TimerSeen[];
    // 09:02:30 + 30 min: 09:05, 09:10, ..., 09:30.
    expect(runs.map((r) => r.scheduleStatus.lastUpdated)).toEqual(
      ['05', '10', '15', '20', '25', '30'].map((m) => `2026-01-05T09:${m}:00.000Z`),
    );
    expect(runs[1]).toMatchObject({
      isPastDue: false,
      scheduleStatus: { last: '2026-01-05T09:05:00.000Z', next: '2026-01-05T09:15:00.000Z' },
    });
  });

  it('invokes a non-HTTP function through the admin endpoint with the master key', async () => {
    const adminUrl = `${host.baseUrl}/admin/functions/workItem`;
    const body = JSON.stringify({ input: '{"ticket":7}' });
    expect((await fetch(adminUrl, { method: 'POST', body })).status).toBe(401);
    expect(
      (await fetch(adminUrl, { method: 'POST', body, headers: { 'x-functions-key': host.keys.functionKey } }))
        .status,
    ).toBe(401);
    const res = await fetch(adminUrl, {
      method: 'POST',
      body,
      headers: { 'x-functions-key': host.keys.masterKey, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(202);
    await host.waitForIdle();
    expect(probe.of('workItem')).toContainEqual({ item: { ticket: 7 }, metadata: undefined });
  });

  it('answers the admin endpoint with problems for unknown, HTTP and malformed requests', async () => {
    const call = (name: string, body: string): Promise<Response> =>
      fetch(`${host.baseUrl}/admin/functions/${name}?code=${encodeURIComponent(host.keys.masterKey)}`, {
        method: 'POST',
        body,
      });
    expect((await call('nope', '{}')).status).toBe(404);
    expect((await call('echo', '{}')).status).toBe(400);
    expect((await call('workItem', '{"input": 5}')).status).toBe(400);
    const timer = await call('everyFiveMinutes', '{}');
    expect(timer.status).toBe(202);
    await host.waitForIdle();
    expect((probe.of('everyFiveMinutes') as TimerSeen[]).at(-1)?.scheduleStatus.lastUpdated).toBe(
      new Date(clock.now()).toISOString(),
    );
  });

  it('invokes a function in process and returns its result', async () => {
    const outcome = await host.invoke('workItem', { ticket: 8 });
    expect(outcome.returnValue).toEqual({ handled: { ticket: 8 } });
    await expect(host.invoke('echo')).rejects.toThrow(/HTTP function/);
  });

  it('runs pre- and post-invocation hooks around every invocation, and the appStart hook once', () => {
    expect(probe.of('appStart')).toHaveLength(1);
    const pre = probe.of('preInvocation');
    expect(pre).toContain('workItem');
    expect(probe.of('postInvocation')).toContainEqual({
      functionName: 'workItem',
      hookData: 'preInvocation',
    });
  });

  it('hands queue functions to the registered trigger source and invokes through it', async () => {
    expect(sourceCalls).toHaveLength(1);
    const { context } = sourceCalls[0]!;
    expect(context.triggerType).toBe('queuetrigger');
    expect(context.functions.map((f) => f.name)).toEqual(['workItem']);
    const trigger = context.functions[0]!.trigger;
    expect(trigger).toMatchObject({ type: 'queueTrigger', queueName: '%WORK_QUEUE%', connection: 'Storage' });
    expect(context.resolveSetting(trigger.queueName as string)).toBe('work-items');

    const outcome = await context.invoke('workItem', '{"order":1}', { MessageId: 'm-1', DeliveryCount: 2 });
    expect(outcome.returnValue).toEqual({ handled: { order: 1 } });
    expect(probe.of('workItem')).toContainEqual({
      item: { order: 1 },
      metadata: { messageId: 'm-1', deliveryCount: 2 },
    });
  });

  it('rejects a trigger-source invocation whose function throws, so the source can abandon', async () => {
    const { context } = sourceCalls[0]!;
    const failure = context.invoke('workItem', 'poison', { MessageId: 'm-2' });
    await expect(failure).rejects.toBeInstanceOf(FunctionInvocationError);
    await expect(failure).rejects.toMatchObject({
      functionName: 'workItem',
      invocationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    await expect(context.invoke('noSuchFunction', 'x')).rejects.toThrow(/No function named/);
    await expect(host.invoke('workItem', 'poison')).rejects.toThrow(/poison work item/);
  });

  it('stops the trigger source when its host stops', async () => {
    const second = await startHost({
      entry: httpApp,
      clock,
      keysPath: path.join(tmp.dir, 'keys.json'),
      settings: { STARTUP_SCHEDULE: '0 0 0 * * *', WORK_QUEUE: 'q' },
      log: () => undefined,
    });
    expect(sourceCalls).toHaveLength(2);
    expect(sourceCalls[1]!.stopped).toBe(false);
    await second.stop();
    expect(sourceCalls[1]!.stopped).toBe(true);
  });
});
