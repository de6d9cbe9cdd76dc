/**
 * Remediation under load: a 10,000-device tenant where 20 % of the devices fail at once (signatures overdue, and the
 * signature updates they are sent keep failing). A sweep queues only what its write budget allows and defers the
 * rest; every action survives injected 503s and a 429 burst, reaches its device once and is audited once; the next
 * sweep, within 24 hours, tries none of them again and takes the next devices in turn.
 */
import { composition } from '../../../shared/composition';
import { remediationBudget } from '../../../shared/compliance/baseline/remediation';
import { defaultThresholds } from '../../../shared/compliance/baseline/rules';
import { type TenantRecord } from '../../../shared/domain/tenant';
import { operatorRecords } from '../../support/audit-sinks';
import {
  hour,
  managedDevices,
  provisionForSweeps,
  runSweep,
  simTenant,
} from '../../support/compliance-world';
import { type OnboardingWorld, startOnboardingWorld } from '../../support/onboarding-world';

jest.setTimeout(600_000);

const fleet = 10_000;
const failing = fleet / 5;
// Two windows of 10 s: the sweep's half of Intune's 100 writes per 20 s, kept short so the test stays quick.
const writeBudget = { ...defaultThresholds.writeBudget, windows: 2, windowMs: 10_000 };
const perSweep = remediationBudget(writeBudget).perSweep.intune;

describe('remediations under a 10,000-device tenant', () => {
  let world: OnboardingWorld;
  let tenant: TenantRecord;
  let failingIds: Set<string>;

  beforeAll(async () => {
    world = await startOnboardingWorld();
    tenant = await world.addTenant({
      name: 'Tailspin',
      deviceCount: fleet,
      seats: { enabled: 10, consumed: 0 },
    });
    world.sim.world.seedPosture(tenant.id, { healthy: true });
    provisionForSweeps(world, tenant);
    failingIds = new Set(world.sim.world.seedPosture(tenant.id, { signatureUpdateFails: true }, failing, 7));
    const now = new Date().toISOString();
    await composition().compliance.store.putSettings({
      id: 'settings',
      type: 'settings',
      tenantId: tenant.id,
      updateRings: tenant.updateRings,
      modes: {},
      thresholds: { writeBudget },
      extraThirdPartyProducts: [],
      updatedAt: now,
      updatedBy: 'test',
    });
    world.sim.control.setFaults(tenant.id, {
      seed: 11,
      errors: { rate: 0.3, statuses: [503] },
      throttleBurst: { count: 20, retryAfterSeconds: 1 },
      match: { method: 'POST' },
    });
  });

  afterAll(async () => {
    await world.stop();
  });

  /** Managed device id → signature updates the device was sent. */
  const signatureUpdates = (): Map<string, number> => {
    const sent = new Map<string, number>();
    for (const device of managedDevices(world, tenant.id)) {
      const count = device.intuneActions().filter((a) => a.name === 'windowsDefenderUpdateSignatures').length;
      if (count > 0) sent.set(device.managedDeviceId, count);
    }
    return sent;
  };

  const remediationRecords = async () =>
    (await operatorRecords(composition(), tenant.id)).filter(
      (record) => record.event.action === 'remediation.run',
    );

  async function until(done: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  it('queues what the budget allows, survives 503s and 429s, acts once per device, audits each', async () => {
    const start = world.clock.now();
    const first = await runSweep(world, tenant.id, start);
    expect(first).toMatchObject({ devices: fleet, unhealthy: failing, remediationsQueued: perSweep });
    expect(first.remediationsDeferred).toBe(failing - perSweep);

    await until(
      async () => (await remediationRecords()).length >= perSweep,
      'the first sweep’s audit records',
    );
    const afterFirst = signatureUpdates();
    expect(afterFirst.size).toBe(perSweep);
    expect([...afterFirst.keys()].every((id) => failingIds.has(id))).toBe(true);
    expect([...afterFirst.values()].every((count) => count === 1)).toBe(true);
    const records = await remediationRecords();
    expect(records).toHaveLength(perSweep);
    expect(records.every((record) => record.event.outcome === 'succeeded')).toBe(true);
    // The faults were met and outlived.
    const counters = world.sim.control.counterValues(tenant.id);
    expect(counters.faults).toBeGreaterThan(0);
    expect(counters.throttled).toBeGreaterThan(0);

    // The next window, within 24 hours: still failing, but none of the first devices is tried again.
    const second = await runSweep(world, tenant.id, start + 4 * hour);
    expect(second).toMatchObject({
      unhealthy: failing,
      remediationsQueued: perSweep,
      remediationFailures: 0,
    });
    await until(
      async () => (await remediationRecords()).length >= 2 * perSweep,
      'the second sweep’s audit records',
    );
    const afterSecond = signatureUpdates();
    expect(afterSecond.size).toBe(2 * perSweep);
    expect([...afterSecond.values()].every((count) => count === 1)).toBe(true);
    expect(await remediationRecords()).toHaveLength(2 * perSweep);
    expect(simTenant(world, tenant.id).managedDevices(world.clock.now())).toHaveLength(fleet);
  });
});
