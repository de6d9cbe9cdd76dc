/**
 * Compliance sweeps on the local platform: a tenant made healthy on every rule, then one seeded failure of each rule
 * (plus a stale device and a conditional-access mismatch) on devices of its own. The first sweep finds exactly those,
 * publishes each device going unhealthy and queues the remediations of the rules in remediate mode, each audited;
 * the next sweep verifies what they fixed; a sweep with nothing changed publishes nothing and queues nothing; a
 * device that recovers publishes one change back to healthy.
 */
import { composition } from '../../../shared/composition';
import { type RuleId } from '../../../shared/compliance/baseline/contract';
import { type PostureChange, type SimDevice } from '@mds/tenant-sim';
import { type TenantRecord } from '../../../shared/domain/tenant';
import { tenantLayout } from '../../../shared/domain/tenant-layout';
import { ringForDevice } from '../../../shared/domain/update-ring';
import { deviceEventTypes } from '../../../shared/platform/declarations';
import { operatorRecords } from '../../support/audit-sinks';
import {
  healthyRows,
  hour,
  managedDevices,
  provisionForSweeps,
  receiveAlerts,
  receiveEvents,
  runSweep,
  seedTelemetry,
  simTenant,
  storedResults,
  type TelemetryRows,
} from '../../support/compliance-world';
import { type OnboardingWorld, startOnboardingWorld } from '../../support/onboarding-world';

jest.setTimeout(300_000);

interface Seed {
  name: string;
  change?: PostureChange;
  rows?: TelemetryRows;
  failing: RuleId[];
  notReporting?: true;
  caMismatch?: true;
}

const seeds: Seed[] = [
  { name: 'antivirus off', change: { antivirus: false }, failing: ['MDS-AV-01'] },
  { name: 'real-time protection off', change: { realTimeProtection: false }, failing: ['MDS-AV-02'] },
  { name: 'tamper protection off', change: { tamperProtection: false }, failing: ['MDS-AV-03'] },
  { name: 'signatures overdue', change: { signaturesCurrent: false }, failing: ['MDS-AV-04'] },
  { name: 'no quick scan', change: { scheduledQuickScans: false }, failing: ['MDS-AV-05'] },
  { name: 'not encrypted', change: { encrypted: false }, failing: ['MDS-ENC-01'] },
  { name: 'key not escrowed', change: { recoveryKeyEscrowed: false }, failing: ['MDS-ENC-02'] },
  { name: 'not onboarded to Defender', change: { defender: 'notOnboarded' }, failing: ['MDS-MON-01'] },
  { name: 'Defender impaired', change: { defender: 'impaired' }, failing: ['MDS-MON-02'] },
  // Silent for 4 days: the sensor fails, the device's own antivirus and script reports are stale (unknown).
  { name: 'sensor silent', change: { offlineDays: 4 }, failing: ['MDS-MON-03'] },
  {
    name: 'quality update overdue',
    rows: {
      qualityUpdate: { policyName: 'Managed Desktop - Update ring Test', aggregateState: 'In progress' },
    },
    failing: ['MDS-UPD-01'],
  },
  {
    name: 'feature update at end of service',
    change: { windowsRelease: 'Windows10 22H2' },
    failing: ['MDS-UPD-02'],
  },
  {
    name: 'old Microsoft 365 Apps',
    rows: {
      apps: [
        {
          name: 'Microsoft 365 Apps for enterprise - en-us',
          publisher: 'Microsoft Corporation',
          version: '16.0.17928.20156',
        },
      ],
    },
    failing: ['MDS-UPD-03'],
  },
  { name: 'known folders unprotected', change: { knownFoldersProtected: false }, failing: ['MDS-REC-01'] },
  { name: 'account protection failed', rows: { accountProtection: 'Error' }, failing: ['MDS-ID-01'] },
  { name: 'no Windows Hello', change: { windowsHello: false }, failing: ['MDS-ID-02'] },
  {
    name: 'third-party antivirus',
    rows: {
      apps: [...healthyRows.apps, { name: 'McAfee LiveSafe', publisher: 'McAfee, LLC', version: '16.0.55' }],
    },
    failing: ['MDS-3P-01'],
  },
  { name: 'in no ring', failing: ['MDS-MGMT-01'] },
  { name: 'stale', change: { offlineDays: 10 }, failing: ['MDS-MGMT-02'], notReporting: true },
  {
    name: 'conditional-access mismatch',
    change: { tamperProtection: false, intuneCompliance: 'compliant' },
    failing: ['MDS-AV-03'],
    caMismatch: true,
  },
];

/** Rules in remediate mode by default, and what the sweep sends for them (one action per device and kind). */
const remediated: Record<string, string> = {
  'antivirus off': 'syncDevice',
  'real-time protection off': 'syncDevice',
  'tamper protection off': 'syncDevice',
  'signatures overdue': 'windowsDefenderUpdateSignatures',
  'no quick scan': 'defenderScan',
  'not encrypted': 'syncDevice',
  'key not escrowed': 'rotateBitLockerKeys',
  'not onboarded to Defender': 'syncDevice',
  'quality update overdue': 'syncDevice',
  'conditional-access mismatch': 'syncDevice',
};

describe('compliance sweeps', () => {
  let world: OnboardingWorld;
  let tenant: TenantRecord;
  let seeded: Map<string, Seed>;
  let devices: SimDevice[];
  let start: number;

  beforeAll(async () => {
    world = await startOnboardingWorld();
    tenant = await world.addTenant({
      name: 'Northwind',
      deviceCount: 30,
      seats: { enabled: 40, consumed: 30 },
    });
    world.sim.world.seedPosture(tenant.id, { healthy: true });
    provisionForSweeps(world, tenant);
    devices = managedDevices(world, tenant.id);
    const withUsers = devices.filter((device) => device.primaryUser !== null);
    seeded = new Map();
    seeds.forEach((seed, index) => {
      const device = withUsers[index]!;
      seeded.set(device.serialNumber, seed);
      const ringGroup =
        tenantLayout.ringGroups[ringForDevice(tenant.id, device.serialNumber, tenant.updateRings)];
      world.sim.world.setPosture(tenant.id, device.serialNumber, {
        // Intune agrees with the sweep everywhere but on the mismatch.
        intuneCompliance: seed.caMismatch ? 'compliant' : 'noncompliant',
        ...(seed.failing.includes('MDS-MGMT-01') ? { leaveGroups: [ringGroup] } : {}),
        ...seed.change,
      });
    });
    const rowsOf = (device: SimDevice): TelemetryRows => seeded.get(device.serialNumber)?.rows ?? {};
    await seedTelemetry(tenant.id, devices, rowsOf, new Date(world.clock.now()).toISOString());
    start = world.clock.now();
  });

  afterAll(async () => {
    await world.stop();
  });

  it('finds exactly the seeded failures, publishes each, and remediates what is in remediate mode, audited', async () => {
    const outcome = await runSweep(world, tenant.id, start);

    const results = await storedResults(tenant.id, devices);
    expect(results.size).toBe(devices.length);
    const found = Object.fromEntries(
      [...results.values()].map((doc) => [
        doc.serialNumber,
        { health: doc.health, failing: doc.failing, caMismatch: doc.caMismatch },
      ]),
    );
    const expected = Object.fromEntries(
      devices.map((device) => {
        const seed = seeded.get(device.serialNumber);
        return [
          device.serialNumber,
          {
            health: seed?.notReporting ? 'notReporting' : seed ? 'unhealthy' : 'healthy',
            // A device not reporting is judged by the check-in alone, which is no rule failure of its health.
            failing: seed && !seed.notReporting ? seed.failing : [],
            caMismatch: seed?.caMismatch ?? false,
          },
        ];
      }),
    );
    expect(found).toEqual(expected);
    expect(outcome).toMatchObject({ devices: devices.length, notReporting: 1, caMismatches: 1 });
    // Results carry the baseline version, when each rule started failing and when it was last judged.
    const antivirusOff = [...results.values()].find((doc) => doc.failing.includes('MDS-AV-01'))!;
    const av01 = antivirusOff.results.find((result) => result.ruleId === 'MDS-AV-01')!;
    const windowAt = new Date(Math.floor(start / (4 * hour)) * 4 * hour).toISOString();
    expect(av01).toMatchObject({ outcome: 'fail', firstFailedAt: windowAt, lastEvaluatedAt: windowAt });
    expect(antivirusOff.baselineVersion).toBe(outcome.baselineVersion);
    const stale = [...results.values()].find((doc) => doc.health === 'notReporting')!;
    expect(stale.results.map((result) => result.ruleId)).toEqual(['MDS-MGMT-02']);
    const thirdParty = [...results.values()].find((doc) => doc.failing.includes('MDS-3P-01'))!;
    expect(thirdParty.results.find((result) => result.ruleId === 'MDS-3P-01')!.products).toEqual(['McAfee']);

    // One health change per device that went unhealthy (the stale device is not judged).
    const events = await receiveEvents(world, [tenant.id], seeds.length - 1);
    const changes = events.filter((message) => message.subject === deviceEventTypes.healthChanged);
    expect(changes).toHaveLength(seeds.length - 1);
    expect(changes.every((message) => message.body.data.to === 'unhealthy')).toBe(true);
    expect(JSON.stringify(changes.map((message) => message.body))).not.toMatch(/@/);

    // A managed device list reports no TPM, so MDS-ENC-01 passes nowhere and fails on the unencrypted device: the
    // BitLocker share of judged devices is 0, below 95 %, and the tenant is alerted (once a day).
    const fleetAlerts = await receiveAlerts(world, tenant.id, 1);
    expect(fleetAlerts.map((message) => message.body.data)).toEqual([
      expect.objectContaining({ kind: 'fleetThreshold', threshold: 'bitLocker', share: 0, devices: 1 }),
    ]);

    // The remediations reach the devices, one action per device, and each is audited.
    expect(outcome.remediationsQueued).toBe(Object.keys(remediated).length + 1); // + the ring re-add
    const sim = simTenant(world, tenant.id);
    const bySeed = (name: string): SimDevice =>
      devices.find((device) => seeded.get(device.serialNumber)?.name === name)!;
    const deadline = Date.now() + 60_000;
    const sent = (): Record<string, string[]> =>
      Object.fromEntries(
        Object.keys(remediated).map((name) => {
          const device = bySeed(name);
          const intune = device.intuneActions().map((action) => action.name as string);
          const defender = sim.defender
            .all()
            .filter((action) => action.device === device)
            .map(() => 'defenderScan');
          return [name, [...intune, ...defender]];
        }),
      );
    const wanted = Object.fromEntries(Object.entries(remediated).map(([name, action]) => [name, [action]]));
    while (JSON.stringify(sent()) !== JSON.stringify(wanted) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sent()).toEqual(wanted);
    const reAdded = bySeed('in no ring');
    const ring = tenantLayout.ringGroups[ringForDevice(tenant.id, reAdded.serialNumber, tenant.updateRings)];
    while (
      !sim.directory.groupsOf(reAdded).some((group) => group.settings.displayName === ring) &&
      Date.now() < deadline
    )
      await new Promise((resolve) => setTimeout(resolve, 200));
    const ringGroups = Object.values(tenantLayout.ringGroups);
    expect(
      sim.directory
        .groupsOf(reAdded)
        .map((group) => group.settings.displayName)
        .filter((name) => ringGroups.includes(name)),
    ).toEqual([ring]);

    const audited = async () =>
      (await operatorRecords(composition(), tenant.id)).filter(
        (record) => record.event.action === 'remediation.run',
      );
    const auditDeadline = Date.now() + 30_000;
    while ((await audited()).length < outcome.remediationsQueued && Date.now() < auditDeadline)
      await new Promise((resolve) => setTimeout(resolve, 200));
    const remediations = await audited();
    expect(remediations).toHaveLength(outcome.remediationsQueued);
    expect(remediations.every((record) => record.event.outcome === 'succeeded')).toBe(true);
  });

  it('verifies at the next sweep what the remediations fixed, and alerts on a mismatch that persists', async () => {
    // The next window; the simulated devices stand still, so device actions are still pending on them, but the ring
    // re-add (a directory write) took effect at once.
    const outcome = await runSweep(world, tenant.id, start + 4 * hour);
    expect(outcome).toMatchObject({ healthChanges: 1, remediationsQueued: 0, remediationFailures: 0 });
    // Published before the sweep ended: a short wait shows nothing else follows.
    const events = await receiveEvents(world, [tenant.id], 2, 2_000);
    expect(events.map((message) => message.body.data)).toEqual([
      expect.objectContaining({ from: 'unhealthy', to: 'healthy', rules: ['MDS-MGMT-01'] }),
    ]);
    // The mismatch persisted from one sweep to the next: the one alert.
    const alerts = await receiveAlerts(world, tenant.id, 2, 2_000);
    expect(alerts.map((message) => message.body.data.kind)).toEqual(['caMismatch']);
  });

  it('publishes nothing and remediates nothing when nothing changed', async () => {
    const outcome = await runSweep(world, tenant.id, start + 8 * hour);
    expect(outcome).toMatchObject({
      healthChanges: 0,
      remediationsQueued: 0,
      remediationFailures: 0,
      alerts: 0,
    });
    expect(await receiveEvents(world, [tenant.id], 1, 2_000)).toEqual([]);
    expect(await receiveAlerts(world, tenant.id, 1, 2_000)).toEqual([]);
  });

  it('publishes one change back to healthy when a device recovers', async () => {
    const device = devices.find(
      (candidate) => seeded.get(candidate.serialNumber)?.name === 'real-time protection off',
    )!;
    world.sim.world.setPosture(tenant.id, device.serialNumber, {
      realTimeProtection: true,
      intuneCompliance: null,
    });
    const outcome = await runSweep(world, tenant.id, start + 12 * hour);
    expect(outcome.healthChanges).toBe(1);
    const events = await receiveEvents(world, [tenant.id], 2, 2_000);
    expect(events).toHaveLength(1);
    expect(events[0]!.body.data).toMatchObject({
      serialNumber: device.serialNumber,
      from: 'unhealthy',
      to: 'healthy',
      rules: ['MDS-AV-02'],
    });
    const results = await storedResults(tenant.id, [device]);
    expect(results.get(device.serialNumber)).toMatchObject({ health: 'healthy', failing: [] });
  });
});
