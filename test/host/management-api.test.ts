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
});
