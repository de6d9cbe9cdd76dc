import { VirtualClock } from '@mds/platform-kit';
import { seedDemoTenants } from '../../model';
import { errorOf, harness, minute } from './support';

type Json = Record<string, unknown>;

describe('BitLocker recovery keys', () => {
  it('lists keys by deviceId without the key; $select=key reads it; rotation escrows a new one', async () => {
    const h = harness(new VirtualClock());
    const { demo } = seedDemoTenants(h.world);
    const now = h.clock.now();
    const device = demo
      .managedDevices(now)
      .find((candidate) => candidate.recoveryKeys(now).length === 1 && candidate.lastContact(now) === now);
    if (!device) throw new Error('no encrypted, online device with one escrowed key');
    const filter = { query: { $filter: `deviceId eq '${device.azureADDeviceId}'` } };

    const before = await h.expectOk<{ value: Json[] }>(
      demo,
      'GET',
      '/informationProtection/bitlocker/recoveryKeys',
      filter,
    );
    expect(before.value).toEqual([
      {
        '@odata.type': '#microsoft.graph.bitlockerRecoveryKey',
        id: expect.any(String),
        createdDateTime: expect.any(String),
        volumeType: '1',
        deviceId: device.azureADDeviceId,
      },
    ]);
    const firstId = before.value[0]?.id as string;
    const plain = await h.expectOk(demo, 'GET', `/informationProtection/bitlocker/recoveryKeys/${firstId}`);
    expect(plain.key).toBeUndefined();
    const first = await h.expectOk(demo, 'GET', `/informationProtection/bitlocker/recoveryKeys/${firstId}`, {
      query: { $select: 'key' },
    });
    expect(first.key).toMatch(/^(\d{6}-){7}\d{6}$/);

    await h.expectOk(
      demo,
      'POST',
      `/deviceManagement/managedDevices/${device.managedDeviceId}/rotateBitLockerKeys`,
      { surface: 'graph-beta' },
      204,
    );
    expect(
      (
        await h.expectOk<{ value: Json[] }>(
          demo,
          'GET',
          '/informationProtection/bitlocker/recoveryKeys',
          filter,
        )
      ).value,
    ).toHaveLength(1);
    await h.advance(9 * minute);
    const after = await h.expectOk<{ value: Json[] }>(
      demo,
      'GET',
      '/informationProtection/bitlocker/recoveryKeys',
      filter,
    );
    expect(after.value).toHaveLength(2);
    const newId = after.value.find((key) => key.id !== firstId)?.id as string;
    const rotated = await h.expectOk(demo, 'GET', `/informationProtection/bitlocker/recoveryKeys/${newId}`, {
      query: { $select: 'key' },
    });
    expect(rotated.key).toMatch(/^(\d{6}-){7}\d{6}$/);
    expect(rotated.key).not.toBe(first.key);
    const actions = (
      await h.expectOk(demo, 'GET', `/deviceManagement/managedDevices/${device.managedDeviceId}`)
    ).deviceActionResults;
    expect(actions).toEqual([
      expect.objectContaining({ actionName: 'rotateBitLockerKeys', actionState: 'done' }),
    ]);
  });

  it('does not take $top, and answers an unknown key with 404', async () => {
    const h = harness(new VirtualClock());
    const { demo } = seedDemoTenants(h.world);
    expect(
      (await h.call(demo, 'GET', '/informationProtection/bitlocker/recoveryKeys', { query: { $top: '5' } }))
        .status,
    ).toBe(400);
    const missing = await h.call(
      demo,
      'GET',
      '/informationProtection/bitlocker/recoveryKeys/11111111-2222-4333-8444-555555555555',
    );
    expect(missing.status).toBe(404);
    expect(errorOf(missing).code).toBe('Request_ResourceNotFound');
  });
});
