/**
 * Data residency at start-up: the app's `appStart` hook reads the Cosmos DB account's write and read regions (here a
 * second Cosmos stand-in whose account answers West Europe, as a real account names its regions) and the regions
 * declared for Storage, Service Bus and Key Vault; the host does not start when any is outside the US, and the
 * error names the store and its region. With every store in the US, the health endpoint says where each one is.
 */
import { join } from 'node:path';
import { localCertificate } from '@mds/platform-kit';
import { startCosmos, type RunningCosmos } from '@mds/dev';
import { startHost } from '@mds/functions-host';
import { resetComposition } from '../../../shared/composition';
import { stackSettings } from '../../support/stack';

jest.setTimeout(60_000);

const hostOptions = (settings: Record<string, string>) => ({
  entry: join(__dirname, '../../../functions/index.ts'),
  appRoot: join(__dirname, '../../..'),
  settings: { ...stackSettings(), ...settings },
  log: () => undefined,
});

describe('data residency at start-up', () => {
  let europe: RunningCosmos;
  beforeAll(async () => {
    europe = await startCosmos({ cert: await localCertificate(), region: 'West Europe' });
  });
  afterAll(async () => {
    await europe?.stop();
    await resetComposition();
  });
  afterEach(() => resetComposition());

  it('refuses to start when the Cosmos DB account is in West Europe, naming the store and region', async () => {
    await expect(startHost(hostOptions({ COSMOS_ENDPOINT: europe.endpoint }))).rejects.toThrow(
      /Data residency: .*Cosmos DB is in 'West Europe' \(account write region\).*Cosmos DB is in 'West Europe' \(account read region\)/,
    );
  });

  it('refuses to start when a declared region is outside the US', async () => {
    await expect(
      startHost(hostOptions({ STORAGE_REGION: 'Brazil South', SERVICEBUS_REGION: 'northeurope' })),
    ).rejects.toThrow(
      /Storage is in 'Brazil South' \(STORAGE_REGION\); Service Bus is in 'northeurope' \(SERVICEBUS_REGION\)\.$/,
    );
  });

  it('starts with every store in the US, and the health endpoint says where each one is', async () => {
    const host = await startHost(hostOptions({}));
    try {
      const health = (await (await fetch(`${host.baseUrl}/api/health`)).json()) as {
        residency: { ok: boolean; stores: { store: string; region: string; inUs: boolean }[] };
      };
      expect(health.residency.ok).toBe(true);
      expect(health.residency.stores.map((s) => [s.store, s.region, s.inUs])).toEqual([
        ['Cosmos DB', 'East US', true],
        ['Cosmos DB', 'East US', true],
        ['Storage', 'East US', true],
        ['Service Bus', 'East US', true],
        ['Key Vault', 'East US', true],
      ]);
    } finally {
      await host.stop();
    }
  });
});
