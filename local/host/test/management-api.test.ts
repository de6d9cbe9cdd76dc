import path from 'node:path';
import { VirtualClock } from '@mds/platform-kit';
import { type HostHandle, startHost } from '..';
import { durableApp, memoryLog, tempDir } from './support';

/** The Durable Functions HTTP API as the documentation describes it (`/runtime/webhooks/durabletask/...`). */
describe('local host: Durable HTTP API', () => {
  const tmp = tempDir();
  const log = memoryLog();
  const clock = new VirtualClock(Date.UTC(2026, 2, 2, 8, 0, 0));
  let host: HostHandle;

  beforeAll(async () => {
    host = await startHost({
      entry: durableApp,
      clock,
      keysPath: path.join(tmp.dir, 'keys.json'),
      log: log.sink,
    });
  });

  afterAll(async () => {
    await host.stop();
    tmp.remove();
  });

  const webhook = (route: string, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(`${host.baseUrl}/runtime/webhooks/durabletask/${route}`);
    url.searchParams.set('code', host.keys.durableTaskKey);
    return fetch(url, init);
  };

  describe('routing', () => {
    it('matches operation segments case-insensitively, as the extension does', async () => {
      const id = await host.durable.startNew('waitForever', { instanceId: 'route-case' });
      await host.waitForIdle();
      const res = await webhook(`instances/${id}/TERMINATE?reason=case`, { method: 'POST' });
      expect(res.status).toBe(202);
      expect((await host.waitForInstance(id)).runtimeStatus).toBe('Terminated');
    });

    it('answers 404, not 500, for malformed percent-encoding in a path segment', async () => {
      const res = await webhook('instances/%E0%A4%A');
      expect(res.status).toBe(404);
    });

    it('answers 404 for a known path with the wrong method or extra segments', async () => {
      expect((await webhook('instances/x/terminate')).status).toBe(404);
      expect((await webhook('orchestrators/helloSequence/a/b', { method: 'POST' })).status).toBe(404);
      expect((await webhook('instances/x/raiseEvent/e/extra', { method: 'POST' })).status).toBe(404);
    });

    it('answers 501 for the operations the local host does not implement', async () => {
      for (const operation of ['rewind', 'suspend', 'resume', 'restart']) {
        expect((await webhook(`instances/x/${operation}`, { method: 'POST' })).status).toBe(501);
      }
    });

    it('decodes instance ids and event names from the path', async () => {
      const id = 'route id/with slash';
      await host.durable.startNew('approval', { instanceId: id });
      await host.waitForIdle();
      const res = await webhook(
        `instances/${encodeURIComponent(id)}/raiseEvent/${encodeURIComponent('Approval')}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify('yes'),
        },
      );
      expect(res.status).toBe(202);
      expect((await host.waitForInstance(id)).output).toBe('yes');
    });
  });
  describe('instance query', () => {
    const token = 'x-ms-continuation-token';
    type Listed = { instanceId: string; runtimeStatus: string; input: unknown };
    const ids = ['page-a', 'page-b', 'page-c', 'page-d', 'page-e'];

    beforeAll(async () => {
      for (const instanceId of ids) {
        await host.durable.startNew('helloSequence', { instanceId, input: [instanceId] });
        await host.waitForInstance(instanceId);
        // Distinct creation times, so the page order is creation order.
        await clock.advance(1000);
      }
    });

    const query = async (
      search: string,
      continuation?: string,
    ): Promise<{ status: number; body: Listed[]; next: string | null }> => {
      const res = await webhook(`instances?${search}`, {
        headers: continuation === undefined ? {} : { [token]: continuation },
      });
      return { status: res.status, body: (await res.json()) as Listed[], next: res.headers.get(token) };
    };

    it('returns at most top instances, with a continuation token in x-ms-continuation-token while more exist', async () => {
      const first = await query('instanceIdPrefix=page-&top=2');
      expect(first.status).toBe(200);
      expect(first.body.map((s) => s.instanceId)).toEqual(['page-a', 'page-b']);
      expect(first.next).toEqual(expect.any(String));

      const second = await query('instanceIdPrefix=page-&top=2', first.next!);
      expect(second.body.map((s) => s.instanceId)).toEqual(['page-c', 'page-d']);
      const third = await query('instanceIdPrefix=page-&top=2', second.next!);
      expect(third.body.map((s) => s.instanceId)).toEqual(['page-e']);
      expect(third.next).toBeNull();
    });

    it('returns everything in one answer without top, and no token', async () => {
      const all = await query('instanceIdPrefix=page-');
      expect(all.body.map((s) => s.instanceId)).toEqual(ids);
      expect(all.next).toBeNull();
    });

    it('keeps the filters while paging', async () => {
      await host.durable.startNew('waitForever', { instanceId: 'page-running' });
      await host.waitForIdle();
      const running = await query('instanceIdPrefix=page-&runtimeStatus=Running&top=1');
      expect(running.body.map((s) => s.instanceId)).toEqual(['page-running']);
      expect(running.next).toBeNull();
      const completed = await query('instanceIdPrefix=page-&runtimeStatus=Completed,Failed&top=4');
      expect(completed.body.map((s) => s.instanceId)).toEqual(ids.slice(0, 4));
      const rest = await query(
        'instanceIdPrefix=page-&runtimeStatus=Completed,Failed&top=4',
        completed.next!,
      );
      expect(rest.body.map((s) => s.instanceId)).toEqual(['page-e']);
      await host.durable.terminate('page-running', 'done');
    });

    it('continues after the last instance of a page even when one before it was purged meanwhile', async () => {
      const first = await query('instanceIdPrefix=page-&runtimeStatus=Completed&top=2');
      expect(first.body.map((s) => s.instanceId)).toEqual(['page-a', 'page-b']);
      expect(await host.durable.purge('page-b')).toBe(1);
      const second = await query('instanceIdPrefix=page-&runtimeStatus=Completed&top=2', first.next!);
      expect(second.body.map((s) => s.instanceId)).toEqual(['page-c', 'page-d']);
    });

    it('leaves the input out with showInput=false', async () => {
      const listed = await query('instanceIdPrefix=page-a&showInput=false');
      expect(listed.body).toEqual([expect.objectContaining({ instanceId: 'page-a', input: null })]);
      const shown = await query('instanceIdPrefix=page-a');
      expect(shown.body[0]?.input).toEqual(['page-a']);
    });

    it('rejects a top that is not a positive integer and a continuation token it did not issue', async () => {
      expect((await query('top=0')).status).toBe(400);
      expect((await query('top=two')).status).toBe(400);
      expect((await query('top=2', 'not-a-token')).status).toBe(400);
    });
  });
  describe('instance history', () => {
    type Event = Record<string, unknown>;
    const historyOf = async (id: string, search = 'showHistory=true'): Promise<Event[]> => {
      const res = await webhook(`instances/${encodeURIComponent(id)}?${search}`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { historyEvents: Event[] }).historyEvents;
    };
    const time = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const internalFields = ['EventId', 'IsPlayed', 'Input', 'TaskScheduledId', 'TimerId', 'Name', 'Version'];

    it('shows the documented events: started, each task completed with its name and scheduled time, completed', async () => {
      const id = await host.durable.startNew('helloSequence', { input: ['Tokyo', 'Seattle'] });
      await host.waitForInstance(id);
      expect(await historyOf(id)).toEqual([
        { EventType: 'ExecutionStarted', FunctionName: 'helloSequence', Timestamp: time },
        { EventType: 'TaskCompleted', FunctionName: 'sayHello', ScheduledTime: time, Timestamp: time },
        { EventType: 'TaskCompleted', FunctionName: 'sayHello', ScheduledTime: time, Timestamp: time },
        { EventType: 'ExecutionCompleted', OrchestrationStatus: 'Completed', Timestamp: time },
      ]);
    });

    it('adds results (as JSON values) only with showHistoryOutput=true', async () => {
      const id = await host.durable.startNew('helloSequence', { input: ['Tokyo', 'Seattle'] });
      await host.waitForInstance(id);
      const events = await historyOf(id, 'showHistory=true&showHistoryOutput=true');
      expect(events.map((e) => e.Result)).toEqual([
        undefined,
        'Hello Tokyo',
        'Hello Seattle',
        ['Hello Tokyo', 'Hello Seattle'],
      ]);
      // The orchestration's input never appears in the history; it is the status's `input`.
      expect(events[0]).toEqual({
        EventType: 'ExecutionStarted',
        FunctionName: 'helloSequence',
        Timestamp: time,
      });
    });

    it('keeps timers, events and failures without internal fields or inputs', async () => {
      const timed = await host.durable.startNew('longWait', { input: 1 });
      await host.waitForInstance(timed);
      const approval = await host.durable.startNew('approval');
      await host.waitForIdle();
      await host.durable.raiseEvent(approval, 'Approval', { secret: 'not in the history' });
      await host.waitForInstance(approval);
      const failing = await host.durable.startNew('flakyChild', { input: { key: 'history-failure' } });
      await host.waitForInstance(failing);

      const timers = await historyOf(timed, 'showHistory=true&showHistoryOutput=true');
      expect(timers.filter((e) => String(e.EventType).startsWith('Timer'))).toEqual([
        { EventType: 'TimerCreated', FireAt: time, Timestamp: time },
        { EventType: 'TimerFired', FireAt: time, Timestamp: time },
      ]);
      const raised = await historyOf(approval, 'showHistory=true&showHistoryOutput=true');
      expect(raised.find((e) => e.EventType === 'EventRaised')).toEqual({
        EventType: 'EventRaised',
        Name: 'Approval',
        Timestamp: time,
      });
      const failed = await historyOf(failing);
      expect(failed.slice(1)).toEqual([
        {
          EventType: 'TaskFailed',
          FunctionName: 'flaky',
          ScheduledTime: time,
          Reason: "Activity function 'flaky' failed: flaky failure 1 for history-failure",
          Details: expect.any(String),
          Timestamp: time,
        },
        { EventType: 'ExecutionCompleted', OrchestrationStatus: 'Failed', Timestamp: time },
      ]);
      for (const event of [...timers, ...failed]) {
        for (const field of internalFields) expect(event).not.toHaveProperty(field);
      }
    });

    it('folds a sub-orchestration into its completion, named and with its scheduled time', async () => {
      const id = await host.durable.startNew('parent');
      await host.waitForInstance(id);
      const events = await historyOf(id, 'showHistory=true&showHistoryOutput=true');
      const children = events.filter((e) => String(e.EventType).startsWith('SubOrchestration'));
      expect(children.slice(0, 2)).toEqual([
        {
          EventType: 'SubOrchestrationInstanceCompleted',
          FunctionName: 'helloSequence',
          ScheduledTime: time,
          Result: ['Hello Oslo'],
          Timestamp: time,
        },
        {
          EventType: 'SubOrchestrationInstanceCompleted',
          FunctionName: 'helloSequence',
          ScheduledTime: time,
          Result: ['Hello Lima'],
          Timestamp: time,
        },
      ]);
      expect(events.some((e) => e.EventType === 'SubOrchestrationInstanceCreated')).toBe(false);
    });

    it('leaves the history out without showHistory=true', async () => {
      const id = await host.durable.startNew('helloSequence', { input: ['Oslo'] });
      await host.waitForInstance(id);
      const res = await webhook(`instances/${id}`);
      expect(await res.json()).not.toHaveProperty('historyEvents');
    });
  });
  describe('failure log', () => {
    const linesAbout = (id: string): string[] =>
      log.entries.filter((e) => e.category === 'host' && e.message.includes(id)).map((e) => e.message);

    it('logs one line for a failed orchestration: instance id, orchestration name and failure message, not the input', async () => {
      const id = await host.durable.startNew('helloSequence', { input: { secret: 'input-not-logged' } });
      expect((await host.waitForInstance(id)).runtimeStatus).toBe('Failed');
      const failures = log.entries.filter(
        (e) => e.category === 'host' && e.level === 'error' && e.message.includes(id),
      );
      expect(failures).toHaveLength(1);
      expect(failures[0]?.message).toBe(
        `Orchestration 'helloSequence' (${id}) failed: names is not iterable`,
      );
      expect(linesAbout(id).join('\n')).not.toContain('input-not-logged');
    });

    it('keeps a multi-line failure message on one line', async () => {
      const id = await host.durable.startNew('flakyChild', { input: { key: 'one-line' } });
      expect((await host.waitForInstance(id)).runtimeStatus).toBe('Failed');
      const [line, ...more] = linesAbout(id).filter((m) => m.includes('failed'));
      expect(more).toEqual([]);
      expect(line).toBe(
        `Orchestration 'flakyChild' (${id}) failed: Activity function 'flaky' failed: flaky failure 1 for one-line`,
      );
    });
  });
});
