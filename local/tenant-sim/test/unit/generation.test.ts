import { VirtualClock } from '@mds/platform-kit';
import { type SimDevice, type SimTenant, SimWorld, allPermissions, seedDemoTenants } from '../../model';
import { windowsReleases } from '../../model/catalog';
import { harness } from './support';

type Json = Record<string, unknown>;

function spec(seed: string, deviceCount: number): Parameters<SimWorld['createTenant']>[0] {
  return {
    displayName: seed,
    domain: `${seed}.onmicrosoft.com`,
    seed,
    deviceCount,
    e5: { enabled: deviceCount, consumed: Math.floor(deviceCount / 2) },
  };
}

/** What a client sees of the fleet: the managed devices list, shaped by the route. */
async function firstManagedDevices(seed: string): Promise<Json[]> {
  const h = harness(new VirtualClock(Date.UTC(2026, 0, 5, 9)));
  const tenant = h.world.createTenant(spec(seed, 300));
  const page = await h.expectOk<{ value: Json[] }>(tenant, 'GET', '/deviceManagement/managedDevices', {
    query: { $top: '50' },
  });
  return page.value;
}

function share(tenant: SimTenant, test: (device: SimDevice) => boolean): number {
  const devices = tenant.allDevices();
  return devices.filter(test).length / devices.length;
}

describe('fleet generation', () => {
  it('is deterministic: the same seed yields the same fleet, ids and shapes', async () => {
    const [a, b] = await Promise.all([firstManagedDevices('contoso'), firstManagedDevices('contoso')]);
    expect(a).toHaveLength(50);
    expect(b).toEqual(a);
    const other = await firstManagedDevices('woodgrove');
    expect(other.map((device) => device.serialNumber)).not.toEqual(a.map((device) => device.serialNumber));
    expect(other[0]?.id).not.toEqual(a[0]?.id);
  });

  it('draws a realistic mix', () => {
    const now = Date.UTC(2026, 0, 5, 9);
    const tenant = new SimWorld(new VirtualClock(now)).createTenant(spec('mix', 5000));
    for (const release of windowsReleases) {
      expect(share(tenant, (device) => device.release === release)).toBeCloseTo(release.share, 1);
    }
    expect(share(tenant, (device) => device.isEncrypted(now))).toBeGreaterThan(0.9);
    expect(share(tenant, (device) => device.isEncrypted(now))).toBeLessThan(0.99);
    expect(share(tenant, (device) => !device.hardware.hasTpm && device.isEncrypted(now))).toBe(0);
    expect(share(tenant, (device) => device.isOnboarded(now))).toBeCloseTo(0.975, 1);
    expect(share(tenant, (device) => device.signatures(now).overdue)).toBeCloseTo(0.05, 1);
    expect(
      share(tenant, (device) => device.isOnboarded(now) && device.defenderHealth(now) === 'Inactive'),
    ).toBeCloseTo(0.06, 1);
    expect(
      share(
        tenant,
        (device) => device.isOnboarded(now) && device.defenderHealth(now) === 'ImpairedCommunication',
      ),
    ).toBeGreaterThan(0.005);
    expect(share(tenant, (device) => device.primaryUser === null)).toBeCloseTo(0.04, 1);
    const compliant = share(tenant, (device) => tenant.complianceState(device, now) === 'compliant');
    expect(compliant).toBeGreaterThan(0.8);
    expect(compliant).toBeLessThan(0.95);
    const users = tenant.directory.allUsers();
    expect(users.filter((user) => user.usageLocation === null).length / users.length).toBeCloseTo(0.05, 1);
    expect(new Set(users.map((user) => user.userPrincipalName)).size).toBe(users.length);
    expect(new Set(tenant.allDevices().map((device) => device.serialNumber)).size).toBe(5000);
    const rings = tenant.directory
      .allGroups()
      .map((group) => [group.settings.displayName, group.members.size]);
    expect(rings).toEqual([
      ['Modern Workplace Devices-Test', expect.any(Number)],
      ['Modern Workplace Devices-First', expect.any(Number)],
      ['Modern Workplace Devices-Fast', expect.any(Number)],
      ['Modern Workplace Devices-Broad', expect.any(Number)],
    ]);
    expect((rings[3]?.[1] as number) / 5000).toBeCloseTo(0.79, 1);
    const e5 = tenant.directory.skus[0];
    expect(e5).toMatchObject({
      skuId: '06ebc4ee-1bb5-47dd-8120-11324bc54e06',
      enabled: 5000,
      consumed: 2500,
    });
  });

  it('seeds the demo tenants: free E5 seats in one, none in the other, each with an app registration', () => {
    const first = seedDemoTenants(new SimWorld(new VirtualClock()));
    const second = seedDemoTenants(new SimWorld(new VirtualClock()));
    expect(first.demo.allDevices()).toHaveLength(300);
    const [demoSeats] = first.demo.directory.skus;
    const [noSeats] = first.noSeats.directory.skus;
    expect(demoSeats && demoSeats.enabled - demoSeats.consumed).toBeGreaterThan(0);
    // Four seats for the service accounts provisioning creates; none for anyone else.
    expect(noSeats && noSeats.enabled - noSeats.consumed).toBe(4);
    for (const tenant of [first.demo, first.noSeats]) {
      expect(tenant.apps).toHaveLength(1);
      expect(tenant.apps[0]?.permissions).toEqual(expect.arrayContaining([...allPermissions]));
      expect(tenant.apps[0]?.clientSecret).toMatch(/^[\w-]{40}$/);
    }
    // Ids follow from the seed; secrets do not.
    expect(second.demo.id).toBe(first.demo.id);
    expect(second.demo.apps[0]?.clientId).toBe(first.demo.apps[0]?.clientId);
    expect(second.demo.apps[0]?.clientSecret).not.toBe(first.demo.apps[0]?.clientSecret);
    expect(first.demo.id).not.toBe(first.noSeats.id);
  });

  it('refuses invalid specs with every problem listed, and duplicate tenants', () => {
    const world = new SimWorld(new VirtualClock());
    expect(() =>
      world.createTenant({ ...spec('bad', 10), deviceCount: 100_001, e5: { enabled: 1, consumed: 2 } }),
    ).toThrow(/deviceCount.*e5: consumed must not exceed enabled|e5.*deviceCount/s);
    world.createTenant(spec('one', 1));
    expect(() => world.createTenant(spec('one', 1))).toThrow(/already exists/);
  });

  it('generates a 100,000-device tenant', () => {
    const world = new SimWorld(new VirtualClock());
    const started = performance.now();
    const tenant = world.createTenant(spec('large', 100_000));
    const elapsed = performance.now() - started;
    expect(tenant.allDevices()).toHaveLength(100_000);
    expect(tenant.directory.allUsers()).toHaveLength(100_000);
    expect(tenant.managedDevices(world.clock.now())).toHaveLength(100_000);
    console.log(`tenant-sim: generated 100,000 devices in ${elapsed.toFixed(0)} ms`);
  });
});
