import path from 'node:path';
import { VirtualClock } from '../../local/clock';
import { type HostHandle, startHost } from '../../local/host';
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
});
