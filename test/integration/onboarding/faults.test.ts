/**
 * Device onboarding through a faulty tenant: one in ten Graph and Defender answers is a 5xx, bursts of 429s come
 * and go, and the answer to an applied write can get lost. Every device must still end in its right state, with
 * exactly one Autopilot import per device and exactly one licence assignment per onboarded device applied.
 *
 * The simulator's request counters count refused attempts too (a 503 or 429 is counted, then retried), so applied
 * writes are counted where the simulated tenant applies them.
 */
import { type FaultSettings, ModelError } from '@mds/tenant-sim';
import { composition } from '../../../shared/composition';
import { type TenantRecord } from '../../../shared/domain/tenant';
import { e5SkuId } from '../../../shared/onboarding/steps/licence';
import { cosmosContainers } from '../../../shared/platform/declarations';
import {
  instanceIdOf,
  type OnboardingWorld,
  orderFor,
  startOnboardingWorld,
} from '../../support/onboarding-world';

const assignLicenseKey = 'POST graph-v1.0 /users/{id}/assignLicense';
const importKey = 'POST graph-v1.0 /deviceManagement/importedWindowsAutopilotDeviceIdentities/import';
const defenderMachinesKey = 'GET defender /machines';
const userReadKey = 'GET graph-v1.0 /users/{id}';

jest.setTimeout(60_000);

type Expected =
  | { status: 'onboarded'; defender?: 'remediated' }
  | { status: 'failed'; reason: string; failedStep: string };

interface Device {
  serial: string;
  upn: string;
  behaviour?: Record<string, unknown>;
  expected: Expected;
}

describe('device onboarding through injected faults', () => {
  let world: OnboardingWorld;

  beforeAll(async () => {
    world = await startOnboardingWorld();
  });

  afterAll(async () => {
    await world.stop();
  });

  it('ends every device in its right state through 5xx answers and throttling bursts', async () => {
    const tenant = await world.addTenant({
      name: 'Litware',
      deviceCount: 20,
      seats: { enabled: 100, consumed: 0 },
    });
    const users = world.unlicensedUsers(tenant.id, 8);
    const upn = (i: number) => users[i]!;
    const devices: Device[] = [
      ...[0, 1, 2, 3, 4].map((i) => ({
        serial: `FLT-HEALTHY-${i}`,
        upn: upn(i),
        expected: { status: 'onboarded' } as const,
      })),
      {
        serial: 'FLT-OLD-SIGNATURES',
        upn: upn(5),
        behaviour: { stallAt: 'signatureUpdate' },
        expected: { status: 'onboarded', defender: 'remediated' },
      },
      {
        serial: 'FLT-OTHER-TENANT',
        upn: upn(6),
        behaviour: { registeredToOtherTenant: true },
        expected: { status: 'failed', reason: 'registeredToAnotherTenant', failedStep: 'autopilotImport' },
      },
      {
        serial: 'FLT-NEVER-ENROLLS',
        upn: upn(7),
        behaviour: { stallAt: 'enrollment' },
        expected: { status: 'failed', reason: 'enrollmentTimedOut', failedStep: 'enrollment' },
      },
    ];
    for (const d of devices)
      if (d.behaviour) world.sim.control.setDeviceBehaviour(tenant.id, d.serial, d.behaviour);
    const faults = {
      seed: 7,
      errors: { rate: 0.1, statuses: [500, 503, 504], retryAfterSeconds: 1 },
      throttleBurst: { count: 8, retryAfterSeconds: 1 },
    } satisfies FaultSettings;

    const writes = watchAppliedWrites(world, tenant.id);
    world.sim.control.setFaults(tenant.id, faults);
    // New bursts when the first device reaches Defender and the licence, so those APIs meet throttling too.
    const rearm = rearmOnFirst(world, tenant.id, faults, [defenderMachinesKey, userReadKey]);
    try {
      await onboard(world, tenant, 'PO-FAULTS', devices);
    } finally {
      rearm.stop();
      world.sim.control.setFaults(tenant.id, undefined);
      writes.restore();
    }

    const counters = world.sim.control.counterValues(tenant.id);
    expect(counters.faults).toBeGreaterThan(0);
    expect(counters.throttled).toBeGreaterThan(faults.throttleBurst.count);
    await expectRecords(tenant, devices);
    expectOneWritePerDevice(world, tenant, devices, writes);
    const onboarded = devices.filter((d) => d.expected.status === 'onboarded').length;
    expect(e5Consumed(world, tenant)).toBe(onboarded);
    // Attempts the simulator refused are counted as well, so the counters may only exceed the applied writes.
    expect(counters.requests[assignLicenseKey]).toBeGreaterThanOrEqual(onboarded);
    // The watcher imports the order's devices in one call (retried when refused): at least one call was made.
    expect(counters.requests[importKey]).toBeGreaterThanOrEqual(1);
  });

  it('neither imports nor assigns twice when the answer to an applied write is lost', async () => {
    const tenant = await world.addTenant({
      name: 'Proseware',
      deviceCount: 10,
      seats: { enabled: 20, consumed: 0 },
    });
    const [first, second] = world.unlicensedUsers(tenant.id, 2);
    const devices: Device[] = [
      { serial: 'LOST-IMPORT-ANSWER', upn: first!, expected: { status: 'onboarded' } },
      { serial: 'LOST-LICENCE-ANSWER', upn: second!, expected: { status: 'onboarded' } },
    ];
    const writes = watchAppliedWrites(world, tenant.id, {
      loseAnswerOnce: { serials: ['LOST-IMPORT-ANSWER'], upns: [second!] },
    });
    try {
      await onboard(world, tenant, 'PO-LOST', devices);
    } finally {
      writes.restore();
    }
    expect(writes.answersLost).toBe(2);
    await expectRecords(tenant, devices);
    expectOneWritePerDevice(world, tenant, devices, writes);
    expect(e5Consumed(world, tenant)).toBe(2);
  });
});

/** Orders the devices in one delivery and checks each orchestration's output. */
async function onboard(
  world: OnboardingWorld,
  tenant: TenantRecord,
  orderId: string,
  devices: Device[],
): Promise<void> {
  const accepted = await world.postOrder(
    orderFor(
      tenant.id,
      orderId,
      devices.map((d) => ({ serial: d.serial, upn: d.upn })),
    ),
  );
  expect(accepted.status).toBe(202);
  const done = await world.waitForInstances(
    devices.map((d) => instanceIdOf(tenant.id, d.serial)),
    50_000,
  );
  for (const d of devices) {
    const expected = d.expected;
    expect({ serial: d.serial, output: done.get(instanceIdOf(tenant.id, d.serial))?.output }).toEqual({
      serial: d.serial,
      output: expect.objectContaining(
        expected.status === 'onboarded'
          ? { status: 'onboarded' }
          : { status: 'failed', reason: expected.reason },
      ),
    });
  }
}

/** Sets the faults again (a fresh burst of 429s) the first time the tenant's counters show each of `requestKeys`. */
function rearmOnFirst(
  world: OnboardingWorld,
  tenantId: string,
  faults: FaultSettings,
  requestKeys: string[],
): { stop(): void } {
  const waiting = new Set(requestKeys);
  const timer = setInterval(() => {
    const requests = world.sim.control.counterValues(tenantId).requests;
    for (const key of waiting) {
      if (!requests[key]) continue;
      waiting.delete(key);
      world.sim.control.setFaults(tenantId, { ...faults, seed: (faults.seed ?? 1) + waiting.size + 1 });
    }
    if (waiting.size === 0) clearInterval(timer);
  }, 20);
  return { stop: () => clearInterval(timer) };
}

interface AppliedWrites {
  /** Imports the simulated Autopilot applied, by serial number. */
  imports: Map<string, number>;
  /** Licence assignments the simulated directory applied, by user principal name (lower case). */
  licences: Map<string, number>;
  answersLost: number;
  restore(): void;
}

/**
 * Counts the imports and licence assignments the simulated tenant applies, and can lose the answer to an applied
 * write once per key: the write happens, the caller sees a 503 (as when a gateway times out after the service
 * acted). The simulator's own faults come before a request is handled, so they cannot show this case.
 */
function watchAppliedWrites(
  world: OnboardingWorld,
  tenantId: string,
  options: { loseAnswerOnce?: { serials: string[]; upns: string[] } } = {},
): AppliedWrites {
  const tenant = world.sim.world.tenant(tenantId);
  if (!tenant) throw new Error(`no simulated tenant ${tenantId}`);
  const { autopilot, directory } = tenant;
  const importDevices = autopilot.importDevices.bind(autopilot);
  const assignLicenses = directory.assignLicenses.bind(directory);
  const losing = new Set([
    ...(options.loseAnswerOnce?.serials ?? []).map((s) => `import:${s.toUpperCase()}`),
    ...(options.loseAnswerOnce?.upns ?? []).map((u) => `licence:${u.toLowerCase()}`),
  ]);
  const writes: AppliedWrites = {
    imports: new Map(),
    licences: new Map(),
    answersLost: 0,
    restore() {
      // The wrappers are own properties over the prototype's methods: removing them restores the methods.
      Reflect.deleteProperty(autopilot, 'importDevices');
      Reflect.deleteProperty(directory, 'assignLicenses');
    },
  };
  const applied = (counts: Map<string, number>, kind: 'import' | 'licence', key: string): void => {
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (losing.delete(`${kind}:${key}`)) {
      writes.answersLost++;
      throw new ModelError(503, 'ServiceUnavailable', 'Service is temporarily unavailable.', {
        'retry-after': '1',
      });
    }
  };
  autopilot.importDevices = (inputs, now) => {
    const accepted = importDevices(inputs, now);
    // One call may import many devices: count each, then lose the answer if any of them is to lose it.
    let lost: Error | undefined;
    for (const input of inputs) {
      try {
        applied(writes.imports, 'import', input.serialNumber.toUpperCase());
      } catch (error) {
        lost ??= error as Error;
      }
    }
    if (lost) throw lost;
    return accepted;
  };
  directory.assignLicenses = (user, add, remove) => {
    assignLicenses(user, add, remove);
    applied(writes.licences, 'licence', user.userPrincipalName.toLowerCase());
  };
  return writes;
}

function expectOneWritePerDevice(
  world: OnboardingWorld,
  tenant: TenantRecord,
  devices: Device[],
  writes: AppliedWrites,
): void {
  const directory = world.sim.world.tenant(tenant.id)!.directory;
  for (const d of devices) {
    const onboarded = d.expected.status === 'onboarded';
    expect({
      serial: d.serial,
      imports: writes.imports.get(d.serial) ?? 0,
      licences: writes.licences.get(d.upn.toLowerCase()) ?? 0,
      licensed: directory.user(d.upn)?.holds(e5SkuId),
    }).toEqual({ serial: d.serial, imports: 1, licences: onboarded ? 1 : 0, licensed: onboarded });
  }
}

function e5Consumed(world: OnboardingWorld, tenant: TenantRecord): number | undefined {
  return world.sim.world.tenant(tenant.id)!.directory.skus.find((s) => s.skuId === e5SkuId)?.consumed;
}

/** Each device's onboarding record in Cosmos: its outcome and, step by step, how it got there. */
async function expectRecords(tenant: TenantRecord, devices: Device[]): Promise<void> {
  const container = composition().platform.cosmos.database.container(cosmosContainers.onboardings.id);
  for (const d of devices) {
    const record = (await container.item(d.serial, tenant.id).read()).resource;
    const expected = d.expected;
    expect({ serial: d.serial, instanceId: record?.instanceId }).toEqual({
      serial: d.serial,
      instanceId: instanceIdOf(tenant.id, d.serial),
    });
    if (expected.status === 'onboarded') {
      expect({ serial: d.serial, status: record.status }).toEqual({ serial: d.serial, status: 'onboarded' });
      const outcomes = Object.fromEntries(
        (record.steps as { step: string; outcome: string }[]).map((s) => [s.step, s.outcome]),
      );
      expect(outcomes).toEqual({
        autopilotImport: 'succeeded',
        deploymentProfile: 'succeeded',
        enrollment: 'succeeded',
        encryption: 'succeeded',
        defender: expected.defender ?? 'succeeded',
        licence: 'succeeded',
        updateRing: 'succeeded',
      });
    } else {
      expect({ serial: d.serial, status: record.status, reason: record.reason }).toEqual({
        serial: d.serial,
        status: 'failed',
        reason: expected.reason,
      });
      expect(record.steps.at(-1)).toMatchObject({ step: expected.failedStep, outcome: 'failed' });
    }
  }
}
