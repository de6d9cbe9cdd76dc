/**
 * The tenant watcher: one orchestration per tenant reads what every waiting device waits on, in bulk, and raises an
 * event to each device whose state changed. Devices keep their own deadlines, so a watcher that is restarted, a
 * device that is stuck while others finish, or a watcher throttled for days change nothing in how devices end.
 */
import { type TenantRecord } from '../../../shared/domain/tenant';
import { watcherInstanceId } from '../../../shared/onboarding/contract';
import {
  instanceIdOf,
  type OnboardingWorld,
  orderFor,
  startOnboardingWorld,
} from '../../support/onboarding-world';

const hour = 3_600_000;
const day = 24 * hour;

jest.setTimeout(180_000);

describe('the tenant watcher', () => {
  let world: OnboardingWorld;

  beforeAll(async () => {
    world = await startOnboardingWorld();
  });

  afterAll(async () => {
    await world.stop();
  });

  async function tenantWith(name: string): Promise<TenantRecord> {
    return world.addTenant({ name, deviceCount: 10, seats: { enabled: 20, consumed: 0 } });
  }

  async function waitUntilRunning(id: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    while ((await world.host.durable.getStatus(id))?.runtimeStatus !== 'Running') {
      if (Date.now() > deadline) throw new Error(`${id} never ran`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Orders the devices, lets them register their imports, then terminates their tenant's watcher. */
  async function orderThenLoseWatcher(
    tenant: TenantRecord,
    orderId: string,
    devices: { serial: string; upn: string }[],
  ): Promise<string> {
    expect((await world.postOrder(orderFor(tenant.id, orderId, devices))).status).toBe(202);
    const watcher = watcherInstanceId(tenant.id);
    await waitUntilRunning(watcher);
    await world.settle();
    await world.host.durable.terminate(watcher, 'test: the watcher is lost');
    expect((await world.host.durable.getStatus(watcher))?.runtimeStatus).toBe('Terminated');
    return watcher;
  }

  it('ends every device right when the watcher is terminated and started again by a later registration', async () => {
    const tenant = await tenantWith('Adatum');
    const users = world.unlicensedUsers(tenant.id, 4);
    const first = ['WATCH-A', 'WATCH-B', 'WATCH-C'];
    // The devices wait on their imports; their watcher is gone.
    const watcher = await orderThenLoseWatcher(
      tenant,
      'PO-W1',
      first.map((serial, i) => ({ serial, upn: users[i]! })),
    );

    expect(
      (await world.postOrder(orderFor(tenant.id, 'PO-W2', [{ serial: 'WATCH-D', upn: users[3]! }]))).status,
    ).toBe(202);
    const ids = [...first, 'WATCH-D'].map((s) => instanceIdOf(tenant.id, s));
    const done = await world.waitForInstances(ids);
    for (const id of ids) expect(done.get(id)?.output).toMatchObject({ status: 'onboarded' });
    // Nothing waits any more: the new watcher stopped by itself.
    const ended = await world.host.waitForInstance(watcher, { timeoutMs: 30_000 });
    expect(ended.runtimeStatus).toBe('Completed');
  });

  it('ends every device right when the watcher is terminated mid-order and nothing new registers', async () => {
    const tenant = await tenantWith('Litware');
    const users = world.unlicensedUsers(tenant.id, 3);
    const serials = ['LOST-A', 'LOST-B', 'LOST-C'];
    const started = world.clock.now();
    // The devices wait on their imports; their watcher is gone, and no other device of the tenant will register.
    const watcher = await orderThenLoseWatcher(
      tenant,
      'PO-LOST',
      serials.map((serial, i) => ({ serial, upn: users[i]! })),
    );
    const ids = serials.map((s) => instanceIdOf(tenant.id, s));
    const done = await world.waitForInstances(ids);
    for (const id of ids) expect(done.get(id)?.output).toMatchObject({ status: 'onboarded' });
    // The waits registered themselves again after an hour and started a watcher: the devices ended with the
    // lifecycle and that hour, not at their imports' 24-hour deadline.
    for (const id of ids) {
      const ended = Date.parse(
        (await world.host.durable.getStatus(id))?.lastUpdatedTime as unknown as string,
      );
      expect(ended - started).toBeGreaterThan(hour);
      expect(ended - started).toBeLessThan(4 * hour);
    }
    const restarted = await world.host.waitForInstance(watcher, { timeoutMs: 30_000 });
    expect(restarted.runtimeStatus).toBe('Completed');
  });

  it('finishes the healthy devices of a tenant on time while one device is stuck, then stops', async () => {
    const tenant = await tenantWith('Northwind');
    const users = world.unlicensedUsers(tenant.id, 3);
    world.sim.control.setDeviceBehaviour(tenant.id, 'STUCK-ENCRYPTION', { stallAt: 'encryption' });
    const serials = ['STUCK-ENCRYPTION', 'FREE-1', 'FREE-2'];
    const started = world.clock.now();
    await world.postOrder(
      orderFor(
        tenant.id,
        'PO-STUCK',
        serials.map((serial, i) => ({ serial, upn: users[i]! })),
      ),
    );
    const ids = serials.map((s) => instanceIdOf(tenant.id, s));
    const done = await world.waitForInstances(ids);
    expect(done.get(ids[0]!)?.output).toMatchObject({ status: 'failed', reason: 'encryptionNotVerified' });
    for (const id of ids.slice(1)) expect(done.get(id)?.output).toMatchObject({ status: 'onboarded' });
    // The healthy devices ended with the simulated lifecycle (about an hour), not with the stuck device's two days.
    const endedAt = async (serial: string) =>
      Date.parse(
        (await world.host.durable.getStatus(instanceIdOf(tenant.id, serial)))
          ?.lastUpdatedTime as unknown as string,
      );
    for (const serial of serials.slice(1)) expect((await endedAt(serial)) - started).toBeLessThan(3 * hour);
    expect((await endedAt('STUCK-ENCRYPTION')) - started).toBeGreaterThanOrEqual(2 * day);
    const watcher = await world.host.waitForInstance(watcherInstanceId(tenant.id), { timeoutMs: 30_000 });
    expect(watcher.runtimeStatus).toBe('Completed');
  });

  it('fails a device at its enrollment deadline while every read of the watcher is throttled', async () => {
    const tenant = await tenantWith('Tailspin');
    const [upn] = world.unlicensedUsers(tenant.id, 1);
    // Intune's managed devices answer nothing but 429 from the start: the watcher never sees an enrollment.
    world.sim.control.setFaults(tenant.id, {
      throttleBurst: { count: 1_000_000, retryAfterSeconds: 0 },
      match: { method: 'GET', pathPrefix: '/deviceManagement/managedDevices' },
    });
    try {
      const started = world.clock.now();
      await world.postOrder(orderFor(tenant.id, 'PO-THROTTLED', [{ serial: 'THROTTLED-1', upn: upn! }]));
      const id = instanceIdOf(tenant.id, 'THROTTLED-1');
      const done = await world.waitForInstances([id], 150_000);
      expect(done.get(id)?.output).toMatchObject({ status: 'failed', reason: 'enrollmentTimedOut' });
      const status = await world.host.durable.getStatus(id);
      const ended = Date.parse(status?.lastUpdatedTime as unknown as string);
      // On time: the deadline is 14 days from the start of the onboarding, give or take the recording.
      expect(ended - started).toBeGreaterThanOrEqual(14 * day - hour);
      expect(ended - started).toBeLessThan(14 * day + hour);
      expect(world.sim.control.counterValues(tenant.id).throttled).toBeGreaterThan(0);
    } finally {
      world.sim.control.setFaults(tenant.id, undefined);
    }
  });
});
