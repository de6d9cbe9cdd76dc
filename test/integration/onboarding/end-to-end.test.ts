/**
 * Device onboarding end to end on the local platform: signed webhook → Service Bus → one orchestration per device →
 * Graph and Defender in the simulated tenants → Cosmos records and device events.
 */
import { composition } from '../../../shared/composition';
import { type TenantRecord } from '../../../shared/domain/tenant';
import { cosmosContainers } from '../../../shared/platform/declarations';
import {
  instanceIdOf,
  type OnboardingWorld,
  receiveEvents,
  orderFor,
  startOnboardingWorld,
} from '../../support/onboarding-world';

const assignLicenseKey = 'POST graph-v1.0 /users/{id}/assignLicense';
const importKey = 'POST graph-v1.0 /deviceManagement/importedWindowsAutopilotDeviceIdentities/import';

jest.setTimeout(180_000);

describe('device onboarding end to end', () => {
  let world: OnboardingWorld;
  let withSeats: TenantRecord;
  let noSeats: TenantRecord;

  beforeAll(async () => {
    world = await startOnboardingWorld();
    withSeats = await world.addTenant({
      name: 'Contoso',
      deviceCount: 30,
      seats: { enabled: 100, consumed: 0 },
    });
    noSeats = await world.addTenant({
      name: 'Fabrikam',
      deviceCount: 20,
      seats: { enabled: 10, consumed: 10 },
    });
  });

  afterAll(async () => {
    await world.stop();
  });

  it('takes five devices to their right end states, in Cosmos, on the topic and in the tenants', async () => {
    const [healthyUser, signatureUser, neverUser, otherUser] = world.unlicensedUsers(withSeats.id, 4);
    const [fullTenantUser] = world.unlicensedUsers(noSeats.id, 1);
    world.sim.control.setDeviceBehaviour(withSeats.id, 'E2E-NEVER-ENROLLS', { stallAt: 'enrollment' });
    world.sim.control.setDeviceBehaviour(withSeats.id, 'E2E-OTHER-TENANT', { registeredToOtherTenant: true });
    world.sim.control.setDeviceBehaviour(withSeats.id, 'E2E-OLD-SIGNATURES', { stallAt: 'signatureUpdate' });

    const first = await world.postOrder(
      orderFor(withSeats.id, 'PO-1', [
        { serial: 'E2E-HEALTHY', upn: healthyUser! },
        { serial: 'E2E-NEVER-ENROLLS', upn: neverUser! },
        { serial: 'E2E-OTHER-TENANT', upn: otherUser! },
        { serial: 'E2E-OLD-SIGNATURES', upn: signatureUser! },
      ]),
    );
    expect(first.status).toBe(202);
    expect(first.body.devices).toHaveLength(4);
    expect(first.body.devices[0]).toMatchObject({
      serialNumber: 'E2E-HEALTHY',
      instanceId: instanceIdOf(withSeats.id, 'E2E-HEALTHY'),
    });
    // The operator API's route for the device, never Durable's status URL (it carries the system key).
    expect(first.body.devices[0].statusUrl).toBe(`/api/v1/tenants/${withSeats.id}/onboardings/E2E-HEALTHY`);
    const second = await world.postOrder(
      orderFor(noSeats.id, 'PO-2', [{ serial: 'E2E-NO-SEATS', upn: fullTenantUser! }]),
    );
    expect(second.status).toBe(202);

    const ids = {
      healthy: instanceIdOf(withSeats.id, 'E2E-HEALTHY'),
      never: instanceIdOf(withSeats.id, 'E2E-NEVER-ENROLLS'),
      other: instanceIdOf(withSeats.id, 'E2E-OTHER-TENANT'),
      signatures: instanceIdOf(withSeats.id, 'E2E-OLD-SIGNATURES'),
      noSeats: instanceIdOf(noSeats.id, 'E2E-NO-SEATS'),
    };
    const done = await world.waitForInstances(Object.values(ids));
    const output = (id: string) => done.get(id)?.output;
    expect(output(ids.healthy)).toMatchObject({ status: 'onboarded' });
    expect(output(ids.signatures)).toMatchObject({ status: 'onboarded' });
    expect(output(ids.never)).toMatchObject({ status: 'failed', reason: 'enrollmentTimedOut' });
    expect(output(ids.other)).toMatchObject({ status: 'failed', reason: 'registeredToAnotherTenant' });
    expect(output(ids.noSeats)).toMatchObject({ status: 'failed', reason: 'noLicenceSeats' });
    expect(output(ids.noSeats).detail).toContain('10 of 10');

    // Cosmos: one onboarding record per device with each step, and the device's current state.
    const db = composition().platform.cosmos.database;
    const record = async (tenantId: string, serial: string) =>
      (await db.container(cosmosContainers.onboardings.id).item(serial, tenantId).read()).resource;
    const healthy = await record(withSeats.id, 'E2E-HEALTHY');
    expect(healthy).toMatchObject({ status: 'onboarded', instanceId: ids.healthy });
    expect(healthy.steps.map((s: { step: string; outcome: string }) => `${s.step}:${s.outcome}`)).toEqual([
      'autopilotImport:succeeded',
      'deploymentProfile:succeeded',
      'enrollment:succeeded',
      'encryption:succeeded',
      'defender:succeeded',
      'licence:succeeded',
      'updateRing:succeeded',
    ]);
    const signatures = await record(withSeats.id, 'E2E-OLD-SIGNATURES');
    expect(signatures.steps.find((s: { step: string }) => s.step === 'defender')).toMatchObject({
      outcome: 'remediated',
    });
    expect(await record(withSeats.id, 'E2E-NEVER-ENROLLS')).toMatchObject({
      status: 'failed',
      reason: 'enrollmentTimedOut',
    });
    expect(await record(withSeats.id, 'E2E-OTHER-TENANT')).toMatchObject({
      status: 'failed',
      reason: 'registeredToAnotherTenant',
    });
    expect(await record(noSeats.id, 'E2E-NO-SEATS')).toMatchObject({
      status: 'failed',
      reason: 'noLicenceSeats',
    });
    const device = (await db.container(cosmosContainers.devices.id).item('E2E-HEALTHY', withSeats.id).read())
      .resource;
    expect(device).toMatchObject({
      onboardingStatus: 'onboarded',
      security: { encryption: { encrypted: true, tpmPresent: true, recoveryKeyEscrowed: true } },
    });
    expect(['test', 'first', 'fast', 'broad']).toContain(device.updateRing);

    // The topic: one event per device, typed by outcome.
    const events = await receiveEvents(world, [withSeats.id, noSeats.id], 5);
    const typeOf = (serial: string) => events.find((e) => e.body.data.serialNumber === serial)?.subject;
    expect(typeOf('E2E-HEALTHY')).toBe('device.onboarded');
    expect(typeOf('E2E-OLD-SIGNATURES')).toBe('device.onboarded');
    expect(typeOf('E2E-NEVER-ENROLLS')).toBe('device.onboardingFailed');
    expect(typeOf('E2E-OTHER-TENANT')).toBe('device.onboardingFailed');
    expect(typeOf('E2E-NO-SEATS')).toBe('device.onboardingFailed');
    for (const event of events) expect(event.messageId).toBe(event.body.id);

    // The tenants: exactly one licence assignment per device that ended onboarded, none for the others.
    expect(world.sim.control.counterValues(withSeats.id).requests[assignLicenseKey]).toBe(2);
    expect(world.sim.control.counterValues(noSeats.id).requests[assignLicenseKey] ?? 0).toBe(0);
    const holds = (tenantId: string, upn: string) =>
      world.sim.world.tenant(tenantId)!.directory.user(upn)!.holds('06ebc4ee-1bb5-47dd-8120-11324bc54e06');
    expect(holds(withSeats.id, healthyUser!)).toBe(true);
    expect(holds(withSeats.id, signatureUser!)).toBe(true);
    expect(holds(withSeats.id, neverUser!)).toBe(false);
    expect(holds(withSeats.id, otherUser!)).toBe(false);
  });

  it('starts nothing new when an order is sent again', async () => {
    const [upn] = world.unlicensedUsers(withSeats.id, 1);
    const order = orderFor(withSeats.id, 'PO-3', [{ serial: 'E2E-RESENT', upn: upn! }]);
    expect((await world.postOrder(order)).status).toBe(202);
    const id = instanceIdOf(withSeats.id, 'E2E-RESENT');
    const before = (await world.waitForInstances([id])).get(id);
    const imports = world.sim.control.counterValues(withSeats.id).requests[importKey];

    expect((await world.postOrder(order)).status).toBe(202);
    await world.settle();
    const after = await world.host.durable.getStatus(id);
    expect(after).toMatchObject({
      runtimeStatus: before?.runtimeStatus,
      createdTime: (before as { createdTime?: string }).createdTime,
    });
    expect(world.sim.control.counterValues(withSeats.id).requests[importKey]).toBe(imports);
  });

  it('starts five orchestrations for twenty concurrent deliveries of one five-device order', async () => {
    const users = world.unlicensedUsers(withSeats.id, 5);
    const serials = users.map((_, i) => `E2E-BURST-${i}`);
    const order = orderFor(
      withSeats.id,
      'PO-4',
      serials.map((serial, i) => ({ serial, upn: users[i]! })),
    );
    const imports = world.sim.control.counterValues(withSeats.id).requests[importKey] ?? 0;
    const identities = () => world.sim.world.tenant(withSeats.id)!.autopilot.importedIdentities().length;
    const importedBefore = identities();
    const answers = await Promise.all(Array.from({ length: 20 }, () => world.postOrder(order)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
    const ids = serials.map((s) => instanceIdOf(withSeats.id, s));
    const done = await world.waitForInstances(ids);
    if (process.env.E2E_HOST_LOG)
      console.warn(
        JSON.stringify(
          [...done.values()].map((d) => d.output),
          null,
          1,
        ),
      );
    for (const id of ids) expect(done.get(id)?.output).toMatchObject({ status: 'onboarded' });
    await world.settle();
    // One identity imported per device; the watcher imports an order's devices in one call, not one call each.
    expect(identities()).toBe(importedBefore + 5);
    expect(world.sim.control.counterValues(withSeats.id).requests[importKey]).toBeLessThanOrEqual(
      imports + 5,
    );
  });
});
