/**
 * Long outages of a customer's Graph: a transient fault must cost a device time, not its onboarding. Faults come
 * from the tenant simulator (every matching request answered 503) and last in virtual time, so hours pass in
 * milliseconds. The failed run's output and its event name no user principal name.
 */
import { type FaultSettings } from '@mds/tenant-sim';
import {
  instanceIdOf,
  type OnboardingWorld,
  receiveEvents,
  orderFor,
  startOnboardingWorld,
} from '../../support/onboarding-world';

const hour = 3_600_000;

jest.setTimeout(120_000);

/** Every request matching `match` answers 503 with `Retry-After: 0`, so the client's own retries take no time. */
function outage(match: FaultSettings['match']): FaultSettings {
  return { errors: { rate: 1, statuses: [503], retryAfterSeconds: 0 }, match };
}

describe('onboarding through long transient outages', () => {
  let world: OnboardingWorld;

  beforeAll(async () => {
    world = await startOnboardingWorld();
  });

  afterAll(async () => {
    await world.stop();
  });

  it('onboards a device whose Autopilot import answers 503 for two hours', async () => {
    const tenant = await world.addTenant({
      name: 'Relecloud',
      deviceCount: 5,
      seats: { enabled: 10, consumed: 0 },
    });
    const [upn] = world.unlicensedUsers(tenant.id, 1);
    world.sim.control.setFaults(
      tenant.id,
      outage({
        surfaces: ['graph-v1.0'],
        method: 'POST',
        pathPrefix: '/deviceManagement/importedWindowsAutopilotDeviceIdentities/import',
      }),
    );
    world.clock.schedule(world.clock.now() + 2 * hour, () =>
      world.sim.control.setFaults(tenant.id, undefined),
    );

    expect(
      (await world.postOrder(orderFor(tenant.id, 'PO-OUTAGE', [{ serial: 'OUTAGE-2H', upn: upn! }]))).status,
    ).toBe(202);
    const id = instanceIdOf(tenant.id, 'OUTAGE-2H');
    const done = await world.waitForInstances([id]);
    expect(world.sim.control.counterValues(tenant.id).faults).toBeGreaterThan(5);
    expect(done.get(id)?.output).toMatchObject({ status: 'onboarded' });
  });

  it('fails a device whose user reads answer 503 for good, naming no UPN, and restarts it on a re-sent order', async () => {
    const tenant = await world.addTenant({
      name: 'Trey',
      deviceCount: 5,
      seats: { enabled: 10, consumed: 0 },
    });
    const [upn] = world.unlicensedUsers(tenant.id, 1);
    const localPart = upn!.split('@')[0]!;
    const order = orderFor(tenant.id, 'PO-DOWN', [{ serial: 'USERS-DOWN', upn: upn! }]);
    world.sim.control.setFaults(
      tenant.id,
      outage({ surfaces: ['graph-v1.0'], method: 'GET', pathPrefix: '/users/' }),
    );

    expect((await world.postOrder(order)).status).toBe(202);
    const id = instanceIdOf(tenant.id, 'USERS-DOWN');
    const first = (await world.waitForInstances([id])).get(id);
    expect(first?.output).toMatchObject({ status: 'failed', reason: 'unexpectedError' });
    expect(JSON.stringify(first?.output)).not.toContain(localPart);
    const [failedEvent] = await receiveEvents(world, [tenant.id], 1);
    expect(failedEvent?.subject).toBe('device.onboardingFailed');
    expect(JSON.stringify(failedEvent?.body)).not.toContain(localPart);

    // The outage ends; the pipeline sends the order again (a new delivery): the device starts again, same id.
    world.sim.control.setFaults(tenant.id, undefined);
    expect((await world.postOrder(order)).status).toBe(202);
    await world.settle();
    const second = await world.host.waitForInstance(id, { timeoutMs: 60_000 });
    expect(second).toMatchObject({ runtimeStatus: 'Completed', output: { status: 'onboarded' } });
    expect((second as { createdTime?: string }).createdTime).not.toBe(
      (first as { createdTime?: string }).createdTime,
    );
  });
});
