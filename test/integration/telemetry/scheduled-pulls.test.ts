/**
 * Telemetry on the local platform: the app's timers fire on a virtual clock, pull every source of two simulated
 * tenants in bulk, and store raw snapshots in Blob and current state in Cosmos; a second day with a few changed
 * devices writes only their records.
 */
import { type TenantRecord } from '../../../shared/domain/tenant';
import { composition } from '../../../shared/composition';
import { tenantTelemetry } from '../../../shared/telemetry/views';
import { deviceTelemetry } from '../../../shared/telemetry/views';
import { type OnboardingWorld, startOnboardingWorld } from '../../support/onboarding-world';
import {
  addRingPolicy,
  allSources,
  day,
  nextMidnight,
  passTime,
  rawBlobs,
  recordHashes,
  recordsWrittenIn,
} from './support';

jest.setTimeout(600_000);

describe('scheduled telemetry pulls', () => {
  let world: OnboardingWorld;
  let contoso: TenantRecord;
  let fabrikam: TenantRecord;

  beforeAll(async () => {
    world = await startOnboardingWorld({ timers: true });
    contoso = await world.addTenant({
      name: 'Contoso',
      deviceCount: 40,
      seats: { enabled: 50, consumed: 10 },
    });
    fabrikam = await world.addTenant({
      name: 'Fabrikam',
      deviceCount: 25,
      seats: { enabled: 25, consumed: 25 },
    });
    addRingPolicy(world, contoso.id);
    addRingPolicy(world, fabrikam.id);
  });

  afterAll(async () => {
    await world.stop();
  });

  it('stores every source of both tenants in a day, then only the changed devices on the next', async () => {
    const dayOne = nextMidnight(world.clock.now());
    await passTime(world, dayOne);
    await passTime(world, dayOne + day);

    const store = composition().telemetry.store;
    for (const tenant of [contoso, fabrikam]) {
      const view = await tenantTelemetry(store, tenant.id, world.clock.now());
      expect(view.residency).toBe('US');
      for (const source of view.sources) {
        expect({ source: source.source, freshness: source.freshness, error: source.lastError }).toEqual({
          source: source.source,
          freshness: 'fresh',
          error: null,
        });
        expect(source.rows).toBeGreaterThan(0);
      }
      const simTenant = world.sim.world.tenant(tenant.id)!;
      const managed = simTenant.managedDevices(world.clock.now());
      expect((await recordHashes(tenant.id, 'inventory')).size).toBe(managed.length);
      expect((await recordHashes(tenant.id, 'defenderAgents')).size).toBe(managed.length);
      expect((await recordHashes(tenant.id, 'qualityUpdates')).size).toBe(managed.length);
      // One raw snapshot per source and run: 24 hourly runs of 4 sources, 4 six-hourly of 5, 1 daily of 3.
      const runTime = (name: string): number =>
        Date.parse(/-(\d{4}-\d\d-\d\dT\d\d)-(\d\d)-(\d\d)Z/.exec(name)!.slice(1).join(':') + 'Z');
      const blobs = (await rawBlobs(tenant.id)).filter(
        (name) => runTime(name) >= dayOne && runTime(name) < dayOne + day,
      );
      expect(blobs).toHaveLength(24 * 4 + 4 * 5 + 3);
      for (const source of allSources) expect(blobs.some((name) => name.includes(`/${source}/`))).toBe(true);
    }
    const device = world.sim.world.tenant(contoso.id)!.managedDevices(world.clock.now())[0]!;
    const detail = await deviceTelemetry(store, contoso.id, device.managedDeviceId);
    expect(Object.keys(detail.sources).sort()).toEqual(
      expect.arrayContaining([
        'inventory',
        'defenderAgents',
        'compliance',
        'qualityUpdates',
        'devicePerformance',
      ]),
    );

    // Day two: three Contoso devices install the latest cumulative update; nothing else changes.
    const before = await recordHashes(contoso.id, 'inventory');
    const updated = world.sim.world.installQualityUpdate(contoso.id, 3);
    const dayTwo = world.clock.now();
    await passTime(world, dayTwo + day);
    const dayTwoRun = (runId: string): boolean => {
      const at = Date.parse(runId.split(':').slice(2).join(':'));
      return at >= dayTwo;
    };
    expect(await recordsWrittenIn(contoso.id, 'inventory', dayTwoRun)).toEqual([...updated].sort());
    expect(await recordsWrittenIn(fabrikam.id, 'inventory', dayTwoRun)).toEqual([]);
    expect((await recordHashes(contoso.id, 'inventory')).size).toBe(before.size);
  });
});
