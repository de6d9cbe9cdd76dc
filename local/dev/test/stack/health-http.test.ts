import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type HostHandle, startHost } from '@mds/functions-host';
import { resetComposition } from '../../../../shared/composition';
import type { HealthReport } from '../../../../shared/health/check';
import { stackSettings } from '../../../../test/support/stack';

/** The real app entry on the local host, pointed at the global stack: what `npm start` serves. */
describe('GET /api/health through the local host', () => {
  const keysDir = mkdtempSync(path.join(tmpdir(), 'mds-health-'));
  let host: HostHandle;

  beforeAll(async () => {
    host = await startHost({
      entry: path.join(__dirname, '../../../../functions/index.ts'),
      keysPath: path.join(keysDir, 'host-keys.json'),
      settings: stackSettings(),
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await host.stop();
    await resetComposition();
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('answers 200 anonymously with every dependency reachable', async () => {
    const response = await fetch(`${host.baseUrl}/api/health`, { signal: AbortSignal.timeout(10_000) });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const report = (await response.json()) as HealthReport;
    expect(report.status).toBe('healthy');
    expect(Object.keys(report.dependencies).sort()).toEqual([
      'blobStorage',
      'cosmos',
      'keyVault',
      'serviceBus',
    ]);
  });
});
