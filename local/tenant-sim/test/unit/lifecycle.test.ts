import { type SimTenant } from '../../model';
import { type Harness, errorOf, hardwareHash, harness, minute, smallTenant } from './support';

type Json = Record<string, unknown>;
type Page = { value: Json[]; '@odata.nextLink'?: string };

async function importDevice(
  h: Harness,
  tenant: SimTenant,
  serial: string,
  extra: Json = {},
): Promise<string> {
  const body = await h.expectOk<Page>(
    tenant,
    'POST',
    '/deviceManagement/importedWindowsAutopilotDeviceIdentities/import',
    {
      body: {
        importedWindowsAutopilotDeviceIdentities: [
          { serialNumber: serial, hardwareIdentifier: hardwareHash(serial), groupTag: 'MMD', ...extra },
        ],
      },
    },
    200,
  );
  return body.value[0]?.id as string;
}

async function importState(h: Harness, tenant: SimTenant, id: string): Promise<Json> {
  const identity = await h.expectOk(
    tenant,
    'GET',
    `/deviceManagement/importedWindowsAutopilotDeviceIdentities/${id}`,
  );
  return identity.state as Json;
}

async function autopilotDevice(h: Harness, tenant: SimTenant, serial: string): Promise<Json | undefined> {
  const page = await h.expectOk<Page>(tenant, 'GET', '/deviceManagement/windowsAutopilotDeviceIdentities', {
    query: { $filter: `contains(serialNumber,'${serial}')` },
  });
  return page.value[0];
}

async function sync(h: Harness, tenant: SimTenant): Promise<void> {
  await h.expectOk(
    tenant,
    'POST',
    '/deviceManagement/windowsAutopilotSettings/sync',
    { surface: 'graph-beta' },
    204,
  );
}

async function managedDevice(h: Harness, tenant: SimTenant, serial: string): Promise<Json | undefined> {
  const page = await h.expectOk<Page>(tenant, 'GET', '/deviceManagement/managedDevices', {
    query: { $filter: `serialNumber eq '${serial}'` },
  });
  return page.value[0];
}

async function protection(h: Harness, tenant: SimTenant, managedDeviceId: string): Promise<Json> {
  return h.expectOk(
    tenant,
    'GET',
    `/deviceManagement/managedDevices/${managedDeviceId}/windowsProtectionState`,
    { surface: 'graph-beta' },
  );
}

async function keysOf(h: Harness, tenant: SimTenant, aadDeviceId: string): Promise<Json[]> {
  const page = await h.expectOk<Page>(tenant, 'GET', '/informationProtection/bitlocker/recoveryKeys', {
    query: { $filter: `deviceId eq '${aadDeviceId}'` },
  });
  return page.value;
}

async function machine(h: Harness, tenant: SimTenant, aadDeviceId: string): Promise<Json | undefined> {
  const page = await h.expectOk<Page>(tenant, 'GET', '/machines', {
    surface: 'defender',
    query: { $filter: `aadDeviceId eq '${aadDeviceId}'` },
  });
  return page.value[0];
}

/** Imports, syncs and waits until the device is enrolled; returns its managed device. */
async function enrolled(h: Harness, tenant: SimTenant, serial: string): Promise<Json> {
  await importDevice(h, tenant, serial);
  await h.advance(5 * minute);
  await sync(h, tenant);
  await h.advance(22 * minute);
  const device = await managedDevice(h, tenant, serial);
  if (!device) throw new Error(`${serial} did not enroll`);
  return device;
}

describe('device lifecycle over the scenario clock', () => {
  let h: Harness;
  let tenant: SimTenant;

  beforeEach(() => {
    h = harness();
    tenant = smallTenant(h);
  });

  it('goes import → registered → enrolled → encrypted with escrowed key → onboarded → definitions current', async () => {
    const id = await importDevice(h, tenant, 'SIM-0001', {
      assignedUserPrincipalName: tenant.directory.allUsers()[0]?.userPrincipalName,
    });
    expect((await importState(h, tenant, id)).deviceImportStatus).toBe('unknown');
    await h.advance(31_000);
    expect((await importState(h, tenant, id)).deviceImportStatus).toBe('pending');
    await h.advance(5 * minute);
    const complete = await importState(h, tenant, id);
    expect(complete).toMatchObject({
      deviceImportStatus: 'complete',
      deviceErrorCode: 0,
      deviceErrorName: null,
    });

    // Registered, but Intune shows it only after a sync.
    expect(await autopilotDevice(h, tenant, 'SIM-0001')).toBeUndefined();
    await sync(h, tenant);
    await h.advance(2 * minute);
    const registered = (await autopilotDevice(h, tenant, 'SIM-0001')) as Json;
    expect(registered).toMatchObject({
      id: complete.deviceRegistrationId,
      enrollmentState: 'notContacted',
      managedDeviceId: '00000000-0000-0000-0000-000000000000',
    });

    await h.advance(20 * minute);
    const device = (await managedDevice(h, tenant, 'SIM-0001')) as Json;
    expect(device).toMatchObject({
      azureADDeviceId: registered.azureActiveDirectoryDeviceId,
      isEncrypted: false,
      userPrincipalName: tenant.directory.allUsers()[0]?.userPrincipalName,
    });
    expect(await autopilotDevice(h, tenant, 'SIM-0001')).toMatchObject({
      enrollmentState: 'enrolled',
      managedDeviceId: device.id,
    });
    const aadDeviceId = device.azureADDeviceId as string;
    expect(await machine(h, tenant, aadDeviceId)).toBeUndefined();

    await h.advance(10 * minute);
    expect((await managedDevice(h, tenant, 'SIM-0001'))?.isEncrypted).toBe(true);
    expect(await keysOf(h, tenant, aadDeviceId)).toHaveLength(0);
    await h.advance(minute);
    expect(await keysOf(h, tenant, aadDeviceId)).toHaveLength(1);

    await h.advance(4 * minute);
    expect(await machine(h, tenant, aadDeviceId)).toMatchObject({
      onboardingStatus: 'Onboarded',
      healthStatus: 'Active',
      aadDeviceId,
    });
    expect((await protection(h, tenant, device.id as string)).signatureUpdateOverdue).toBe(true);

    await h.advance(20 * minute);
    expect((await protection(h, tenant, device.id as string)).signatureUpdateOverdue).toBe(false);
    const machineId = (await machine(h, tenant, aadDeviceId))?.id;
    const av = await h.expectOk<Page>(tenant, 'GET', '/deviceavinfo', {
      surface: 'defender',
      query: { $filter: `machineId eq '${String(machineId)}'` },
    });
    expect(av.value[0]).toMatchObject({ avIsSignatureUpToDate: 'True', avMode: '0' });
  });

  it('publishes completed imports without a manual sync after the automatic sync interval', async () => {
    await importDevice(h, tenant, 'SIM-AUTO');
    await h.advance(64 * minute);
    expect(await autopilotDevice(h, tenant, 'SIM-AUTO')).toBeUndefined();
    await h.advance(2 * minute);
    expect(await autopilotDevice(h, tenant, 'SIM-AUTO')).toMatchObject({ enrollmentState: 'notContacted' });
  });

  it('refuses a sync while one runs (409) and within 10 minutes of the last (429 with Retry-After)', async () => {
    await sync(h, tenant);
    const running = await h.call(tenant, 'POST', '/deviceManagement/windowsAutopilotSettings/sync', {
      surface: 'graph-beta',
    });
    expect(running.status).toBe(409);
    await h.advance(3 * minute);
    const early = await h.call(tenant, 'POST', '/deviceManagement/windowsAutopilotSettings/sync', {
      surface: 'graph-beta',
    });
    expect(early.status).toBe(429);
    expect(early.headers?.['Retry-After']).toBe('420');
    await h.advance(7 * minute);
    await sync(h, tenant);
  });

  it('takes a behaviour set while the device is on its way, with per-device timing, from the next step on', async () => {
    await importDevice(h, tenant, 'MIDWAY');
    await h.advance(5 * minute);
    h.world.setDeviceBehaviour(tenant.id, 'MIDWAY', {
      stallAt: 'encryption',
      delays: { enrollmentMs: 5 * minute },
    });
    await sync(h, tenant);
    await h.advance(8 * minute);
    expect(await managedDevice(h, tenant, 'MIDWAY')).toMatchObject({ isEncrypted: false });
    await h.advance(24 * 60 * minute);
    expect(await managedDevice(h, tenant, 'MIDWAY')).toMatchObject({ isEncrypted: false });
  });

  describe('stalls', () => {
    it('import: stays pending', async () => {
      h.world.setDeviceBehaviour(tenant.id, 'STALL-IMPORT', { stallAt: 'import' });
      const id = await importDevice(h, tenant, 'STALL-IMPORT');
      await h.advance(3 * 24 * 60 * minute);
      expect((await importState(h, tenant, id)).deviceImportStatus).toBe('pending');
    });

    it('enrollment: the Autopilot device stays notContacted and no managed device appears', async () => {
      h.world.setDeviceBehaviour(tenant.id, 'STALL-ENROLL', { stallAt: 'enrollment' });
      await importDevice(h, tenant, 'STALL-ENROLL');
      await h.advance(5 * minute);
      await sync(h, tenant);
      await h.advance(2 * 24 * 60 * minute);
      expect(await autopilotDevice(h, tenant, 'STALL-ENROLL')).toMatchObject({
        enrollmentState: 'notContacted',
      });
      expect(await managedDevice(h, tenant, 'STALL-ENROLL')).toBeUndefined();
    });

    it('encryption: never encrypts, no key is escrowed, Defender still onboards', async () => {
      h.world.setDeviceBehaviour(tenant.id, 'STALL-BL', { stallAt: 'encryption' });
      const device = await enrolled(h, tenant, 'STALL-BL');
      await h.advance(24 * 60 * minute);
      expect((await managedDevice(h, tenant, 'STALL-BL'))?.isEncrypted).toBe(false);
      expect(await keysOf(h, tenant, device.azureADDeviceId as string)).toHaveLength(0);
      expect(await machine(h, tenant, device.azureADDeviceId as string)).toMatchObject({
        healthStatus: 'Active',
      });
    });

    it('key escrow: encrypted without a key until rotateBitLockerKeys escrows one', async () => {
      h.world.setDeviceBehaviour(tenant.id, 'STALL-ESCROW', { stallAt: 'keyEscrow' });
      const device = await enrolled(h, tenant, 'STALL-ESCROW');
      await h.advance(60 * minute);
      expect((await managedDevice(h, tenant, 'STALL-ESCROW'))?.isEncrypted).toBe(true);
      expect(await keysOf(h, tenant, device.azureADDeviceId as string)).toHaveLength(0);
      await h.expectOk(
        tenant,
        'POST',
        `/deviceManagement/managedDevices/${String(device.id)}/rotateBitLockerKeys`,
        { surface: 'graph-beta' },
        204,
      );
      await h.advance(8 * minute);
      expect(await keysOf(h, tenant, device.azureADDeviceId as string)).toHaveLength(1);
    });

    it('Defender onboarding: no machine appears', async () => {
      h.world.setDeviceBehaviour(tenant.id, 'STALL-MDE', { stallAt: 'defenderOnboarding' });
      const device = await enrolled(h, tenant, 'STALL-MDE');
      await h.advance(24 * 60 * minute);
      expect(await machine(h, tenant, device.azureADDeviceId as string)).toBeUndefined();
    });

    it('definitions: stay overdue until windowsDefenderUpdateSignatures, then current after a short delay', async () => {
      h.world.setDeviceBehaviour(tenant.id, 'STALL-SIG', { stallAt: 'signatureUpdate' });
      const device = await enrolled(h, tenant, 'STALL-SIG');
      await h.advance(24 * 60 * minute);
      expect((await protection(h, tenant, device.id as string)).signatureUpdateOverdue).toBe(true);
      await h.expectOk(
        tenant,
        'POST',
        `/deviceManagement/managedDevices/${String(device.id)}/windowsDefenderUpdateSignatures`,
        {},
        204,
      );
      await h.advance(10 * minute);
      expect((await protection(h, tenant, device.id as string)).signatureUpdateOverdue).toBe(true);
      await h.advance(15 * minute);
      expect((await protection(h, tenant, device.id as string)).signatureUpdateOverdue).toBe(false);
      const actions = (await managedDevice(h, tenant, 'STALL-SIG'))?.deviceActionResults as Json[];
      expect(actions).toEqual([
        expect.objectContaining({ actionName: 'windowsDefenderUpdateSignatures', actionState: 'done' }),
      ]);
    });
  });

  describe('failures', () => {
    it('import: the hash is refused (802 InvalidZtdHardwareHash)', async () => {
      h.world.setDeviceBehaviour(tenant.id, 'FAIL-IMPORT', { failAt: 'import' });
      const id = await importDevice(h, tenant, 'FAIL-IMPORT');
      await h.advance(6 * minute);
      expect(await importState(h, tenant, id)).toMatchObject({
        deviceImportStatus: 'error',
        deviceErrorCode: 802,
        deviceErrorName: 'InvalidZtdHardwareHash',
      });
    });

    it('enrollment: the Autopilot device reports enrollmentState failed', async () => {
      h.world.setDeviceBehaviour(tenant.id, 'FAIL-ENROLL', { failAt: 'enrollment' });
      await importDevice(h, tenant, 'FAIL-ENROLL');
      await h.advance(5 * minute);
      await sync(h, tenant);
      await h.advance(30 * minute);
      expect(await autopilotDevice(h, tenant, 'FAIL-ENROLL')).toMatchObject({ enrollmentState: 'failed' });
      expect(await managedDevice(h, tenant, 'FAIL-ENROLL')).toBeUndefined();
    });

    it('encryption: not encrypted and noncompliant with the estate compliance policy', async () => {
      h.world.setDeviceBehaviour(tenant.id, 'FAIL-BL', { failAt: 'encryption' });
      await enrolled(h, tenant, 'FAIL-BL');
      await h.advance(24 * 60 * minute);
      expect(await managedDevice(h, tenant, 'FAIL-BL')).toMatchObject({
        isEncrypted: false,
        complianceState: 'noncompliant',
      });
    });

    it('key escrow: rotation fails and no key is escrowed', async () => {
      h.world.setDeviceBehaviour(tenant.id, 'FAIL-ESCROW', { failAt: 'keyEscrow' });
      const device = await enrolled(h, tenant, 'FAIL-ESCROW');
      await h.advance(60 * minute);
      await h.expectOk(
        tenant,
        'POST',
        `/deviceManagement/managedDevices/${String(device.id)}/rotateBitLockerKeys`,
        { surface: 'graph-beta' },
        204,
      );
      await h.advance(10 * minute);
      expect(await keysOf(h, tenant, device.azureADDeviceId as string)).toHaveLength(0);
      const actions = (await managedDevice(h, tenant, 'FAIL-ESCROW'))?.deviceActionResults as Json[];
      expect(actions).toEqual([
        expect.objectContaining({ actionName: 'rotateBitLockerKeys', actionState: 'failed' }),
      ]);
    });

    it('Defender onboarding: the machine reports ImpairedCommunication', async () => {
      h.world.setDeviceBehaviour(tenant.id, 'FAIL-MDE', { failAt: 'defenderOnboarding' });
      const device = await enrolled(h, tenant, 'FAIL-MDE');
      await h.advance(30 * minute);
      expect(await machine(h, tenant, device.azureADDeviceId as string)).toMatchObject({
        onboardingStatus: 'Onboarded',
        healthStatus: 'ImpairedCommunication',
      });
    });

    it('definitions: windowsDefenderUpdateSignatures does not cure them and the action fails', async () => {
      h.world.setDeviceBehaviour(tenant.id, 'FAIL-SIG', { failAt: 'signatureUpdate' });
      const device = await enrolled(h, tenant, 'FAIL-SIG');
      await h.expectOk(
        tenant,
        'POST',
        `/deviceManagement/managedDevices/${String(device.id)}/windowsDefenderUpdateSignatures`,
        {},
        204,
      );
      await h.advance(2 * 24 * 60 * minute);
      expect((await protection(h, tenant, device.id as string)).signatureUpdateOverdue).toBe(true);
      const actions = (await managedDevice(h, tenant, 'FAIL-SIG'))?.deviceActionResults as Json[];
      expect(actions).toEqual([
        expect.objectContaining({ actionName: 'windowsDefenderUpdateSignatures', actionState: 'failed' }),
      ]);
    });
  });

  describe('import errors from registrations elsewhere', () => {
    it('808 ZtdDeviceAssignedToOtherTenant for a hash scripted as registered to another tenant', async () => {
      h.world.setDeviceBehaviour(tenant.id, 'OTHER-1', { registeredToOtherTenant: true });
      const id = await importDevice(h, tenant, 'OTHER-1');
      await h.advance(6 * minute);
      expect(await importState(h, tenant, id)).toMatchObject({
        deviceImportStatus: 'error',
        deviceErrorCode: 808,
        deviceErrorName: 'ZtdDeviceAssignedToOtherTenant',
        deviceRegistrationId: null,
      });
    });

    it('808 for a serial another simulated tenant has registered, 806 for one this tenant has', async () => {
      const other = smallTenant(h, 'fabrikam', 5);
      const foreignSerial = other.allDevices()[0]?.serialNumber as string;
      const ownSerial = tenant.allDevices()[0]?.serialNumber as string;
      const foreign = await importDevice(h, tenant, foreignSerial);
      const own = await importDevice(h, tenant, ownSerial);
      await h.advance(6 * minute);
      expect(await importState(h, tenant, foreign)).toMatchObject({
        deviceErrorCode: 808,
        deviceErrorName: 'ZtdDeviceAssignedToOtherTenant',
      });
      expect(await importState(h, tenant, own)).toMatchObject({
        deviceErrorCode: 806,
        deviceErrorName: 'ZtdDeviceAlreadyAssigned',
      });
    });

    it('an empty hardware hash is refused with 802', async () => {
      const id = await importDevice(h, tenant, 'NOHASH', { hardwareIdentifier: '' });
      await h.advance(6 * minute);
      expect(await importState(h, tenant, id)).toMatchObject({
        deviceImportStatus: 'error',
        deviceErrorName: 'InvalidZtdHardwareHash',
      });
    });

    it('a malformed import body is refused with Graph’s error shape', async () => {
      const response = await h.call(
        tenant,
        'POST',
        '/deviceManagement/importedWindowsAutopilotDeviceIdentities/import',
        { body: { devices: [] } },
      );
      expect(response.status).toBe(400);
      expect(errorOf(response)).toMatchObject({
        code: 'BadRequest',
        innerError: expect.objectContaining({ 'request-id': expect.any(String) }),
      });
    });
  });
});
