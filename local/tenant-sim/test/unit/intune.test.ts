import { VirtualClock } from '@mds/platform-kit';
import { seedDemoTenants } from '../../model';
import { allRoutes } from '../../routes';
import { errorOf, hardwareHash, harness, minute } from './support';

type Json = Record<string, unknown>;
type Page = { value: Json[]; '@odata.nextLink'?: string };

function setup() {
  const h = harness(new VirtualClock());
  const { demo } = seedDemoTenants(h.world);
  return { h, demo };
}

const ring = {
  '@odata.type': '#microsoft.graph.windowsUpdateForBusinessConfiguration',
  displayName: 'MMD ring - Fast',
  qualityUpdatesDeferralPeriodInDays: 3,
  featureUpdatesDeferralPeriodInDays: 30,
  automaticUpdateMode: 'autoInstallAtMaintenanceTime',
  businessReadyUpdatesOnly: 'all',
};

describe('update rings and compliance policies', () => {
  it('creates a Windows Update for Business ring, assigns it to the ring group, and devices report on it', async () => {
    const { h, demo } = setup();
    const created = await h.expectOk(demo, 'POST', '/deviceManagement/deviceConfigurations', { body: ring });
    expect(created).toMatchObject({ ...ring, id: expect.any(String), version: 1 });
    const group = demo.directory
      .allGroups()
      .find((candidate) => candidate.settings.displayName.endsWith('-Fast'));
    const assigned = await h.expectOk<Page>(
      demo,
      'POST',
      `/deviceManagement/deviceConfigurations/${String(created.id)}/assign`,
      {
        body: {
          assignments: [
            { target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: group?.id } },
          ],
        },
      },
      200,
    );
    expect(assigned.value).toEqual([
      expect.objectContaining({
        target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: group?.id },
      }),
    ]);

    const statuses = async (): Promise<Json[]> =>
      (
        await h.expectOk<Page>(
          demo,
          'GET',
          `/deviceManagement/deviceConfigurations/${String(created.id)}/deviceStatuses`,
          { query: { $top: '999' } },
        )
      ).value;
    const enrolledInRing = [...(group?.members ?? [])].filter(
      (member) => 'isEnrolled' in member && member.isEnrolled(h.clock.now()),
    );
    const pending = await statuses();
    expect(pending).toHaveLength(enrolledInRing.length);
    expect(pending.every((status) => status.status === 'unknown')).toBe(true);
    await h.advance(11 * minute);
    const reported = await statuses();
    expect(reported.filter((status) => status.status === 'compliant').length).toBeGreaterThan(
      reported.length * 0.9,
    );

    const all = await h.expectOk<Page>(demo, 'GET', '/deviceManagement/deviceConfigurations');
    expect(all.value.map((policy) => policy.displayName)).toEqual(['MMD ring - Fast']);
  });

  it('refuses rings outside Intune limits and abstract configurations', async () => {
    const { h, demo } = setup();
    const tooLong = await h.call(demo, 'POST', '/deviceManagement/deviceConfigurations', {
      body: { ...ring, qualityUpdatesDeferralPeriodInDays: 31 },
    });
    expect(tooLong.status).toBe(400);
    const untyped = await h.call(demo, 'POST', '/deviceManagement/deviceConfigurations', {
      body: { displayName: 'x' },
    });
    expect(errorOf(untyped).message).toBe('Cannot create an abstract class.');
  });

  it('evaluates compliance policies against device state', async () => {
    const { h, demo } = setup();
    const policy = await h.expectOk(demo, 'POST', '/deviceManagement/deviceCompliancePolicies', {
      body: {
        '@odata.type': '#microsoft.graph.windows10CompliancePolicy',
        displayName: 'Require BitLocker',
        bitLockerEnabled: true,
        scheduledActionsForRule: [
          { ruleName: 'PasswordRequired', scheduledActionConfigurations: [{ actionType: 'block' }] },
        ],
      },
    });
    await h.expectOk(
      demo,
      'POST',
      `/deviceManagement/deviceCompliancePolicies/${String(policy.id)}/assign`,
      {
        body: { assignments: [{ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }] },
      },
      200,
    );
    await h.advance(11 * minute);
    const now = h.clock.now();
    const statuses = (
      await h.expectOk<Page>(
        demo,
        'GET',
        `/deviceManagement/deviceCompliancePolicies/${String(policy.id)}/deviceStatuses`,
        { query: { $top: '999' } },
      )
    ).value;
    const unencrypted = demo.managedDevices(now).filter((device) => !device.isEncrypted(now));
    expect(unencrypted.length).toBeGreaterThan(0);
    expect(statuses.filter((status) => status.status === 'nonCompliant')).toHaveLength(unencrypted.length);
  });
});

describe('Autopilot deployment profiles (beta)', () => {
  it('creates a standard-user profile, assigns it to a group, and lists the devices it reaches', async () => {
    const { h, demo } = setup();
    const profile = await h.expectOk(demo, 'POST', '/deviceManagement/windowsAutopilotDeploymentProfiles', {
      surface: 'graph-beta',
      body: {
        '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
        displayName: 'MMD standard user',
        outOfBoxExperienceSetting: {
          userType: 'standard',
          deviceUsageType: 'singleUser',
          privacySettingsHidden: true,
          eulaHidden: true,
        },
      },
    });
    expect(profile).toMatchObject({
      outOfBoxExperienceSetting: expect.objectContaining({
        userType: 'standard',
        privacySettingsHidden: true,
      }),
      outOfBoxExperienceSettings: expect.objectContaining({
        userType: 'standard',
        hidePrivacySettings: true,
      }),
    });
    const group = await h.expectOk(demo, 'POST', '/groups', {
      body: {
        displayName: 'Autopilot devices',
        mailEnabled: false,
        mailNickname: 'apdevices',
        securityEnabled: true,
      },
    });

    // A freshly imported device joins the group once its device object exists.
    await h.expectOk(
      demo,
      'POST',
      '/deviceManagement/importedWindowsAutopilotDeviceIdentities/import',
      {
        body: {
          importedWindowsAutopilotDeviceIdentities: [
            { serialNumber: 'PROFILE-1', hardwareIdentifier: hardwareHash('PROFILE-1') },
          ],
        },
      },
      200,
    );
    await h.advance(6 * minute);
    const device = demo.registeredDevice('PROFILE-1');
    await h.expectOk(
      demo,
      'POST',
      `/groups/${String(group.id)}/members/$ref`,
      {
        body: {
          '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${device?.directoryObjectId}`,
        },
      },
      204,
    );
    await h.expectOk(
      demo,
      'POST',
      `/deviceManagement/windowsAutopilotDeploymentProfiles/${String(profile.id)}/assignments`,
      {
        surface: 'graph-beta',
        body: { target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: group.id } },
      },
    );
    await h.expectOk(
      demo,
      'POST',
      '/deviceManagement/windowsAutopilotSettings/sync',
      { surface: 'graph-beta' },
      204,
    );
    await h.advance(2 * minute);
    const identity = await h.expectOk(
      demo,
      'GET',
      `/deviceManagement/windowsAutopilotDeviceIdentities/${device?.autopilotId}`,
      { surface: 'graph-beta', query: { $expand: 'deploymentProfile' } },
    );
    expect(identity).toMatchObject({
      deploymentProfileAssignmentStatus: 'pending',
      deploymentProfile: expect.objectContaining({ id: profile.id }),
    });
    await h.advance(10 * minute);
    const assigned = await h.expectOk<Page>(
      demo,
      'GET',
      `/deviceManagement/windowsAutopilotDeploymentProfiles/${String(profile.id)}/assignedDevices`,
      { surface: 'graph-beta' },
    );
    expect(assigned.value).toEqual([
      expect.objectContaining({
        serialNumber: 'PROFILE-1',
        deploymentProfileAssignmentStatus: 'assignedInSync',
      }),
    ]);
  });

  it('serves profiles only on beta', async () => {
    const { h, demo } = setup();
    await expect(h.call(demo, 'GET', '/deviceManagement/windowsAutopilotDeploymentProfiles')).rejects.toThrow(
      /no route/,
    );
  });
});

describe('managed devices, analytics and apps', () => {
  it('pages managed devices with $skiptoken links and honours $select', async () => {
    const { h, demo } = setup();
    const seen = new Set<string>();
    let query: Record<string, string> = { $top: '120', $select: 'id,serialNumber,complianceState' };
    for (let page = 0; page < 10; page++) {
      const body = await h.expectOk<Page>(demo, 'GET', '/deviceManagement/managedDevices', { query });
      for (const device of body.value) {
        expect(Object.keys(device).sort()).toEqual(['complianceState', 'id', 'serialNumber']);
        seen.add(device.id as string);
      }
      const next = body['@odata.nextLink'];
      if (!next) break;
      query = Object.fromEntries(new URL(next).searchParams);
    }
    expect(seen.size).toBe(demo.managedDevices(h.clock.now()).length);
  });

  it('expands windowsProtectionState on beta and not on v1.0', async () => {
    const { h, demo } = setup();
    const device = demo.managedDevices(h.clock.now())[0];
    const expanded = await h.expectOk(
      demo,
      'GET',
      `/deviceManagement/managedDevices/${device?.managedDeviceId}`,
      { surface: 'graph-beta', query: { $expand: 'windowsProtectionState' } },
    );
    expect(expanded.windowsProtectionState).toMatchObject({
      realTimeProtectionEnabled: expect.any(Boolean),
      signatureVersion: expect.stringMatching(/^1\.\d+\.\d+\.0$/),
      tamperProtectionEnabled: expect.any(Boolean),
    });
    const v1 = await h.call(demo, 'GET', `/deviceManagement/managedDevices/${device?.managedDeviceId}`, {
      query: { $expand: 'windowsProtectionState' },
    });
    expect(v1.status).toBe(400);
  });

  it('reports device performance and app install status', async () => {
    const { h, demo } = setup();
    const performance = await h.expectOk<Page>(
      demo,
      'GET',
      '/deviceManagement/userExperienceAnalyticsDevicePerformance',
      { query: { $top: '999' } },
    );
    expect(performance.value).toHaveLength(demo.managedDevices(h.clock.now()).length);
    expect(performance.value[0]).toMatchObject({
      bootScore: expect.any(Number),
      blueScreenCount: expect.any(Number),
      restartCount: expect.any(Number),
      healthStatus: expect.stringMatching(/meetingGoals|needsAttention|insufficientData/),
    });
    const apps = await h.expectOk<Page>(demo, 'GET', '/deviceAppManagement/mobileApps');
    expect(apps.value.map((app) => app['@odata.type'])).toContain('#microsoft.graph.officeSuiteApp');
    const statuses = await h.expectOk<Page>(
      demo,
      'GET',
      `/deviceAppManagement/mobileApps/${String(apps.value[3]?.id)}/deviceStatuses`,
      { surface: 'graph-beta', query: { $top: '999' } },
    );
    const states = new Set(statuses.value.map((status) => status.installState));
    expect(states).toEqual(new Set(['installed', 'failed']));
    const users = await h.expectOk<Page>(
      demo,
      'GET',
      `/deviceAppManagement/mobileApps/${String(apps.value[3]?.id)}/userStatuses`,
      { surface: 'graph-beta', query: { $top: '5' } },
    );
    expect(users.value[0]).toMatchObject({
      installedDeviceCount: expect.any(Number),
      failedDeviceCount: expect.any(Number),
    });
  });

  it('syncs and scans through Intune actions', async () => {
    const { h, demo } = setup();
    const now = h.clock.now();
    const device = demo.managedDevices(now).find((candidate) => candidate.lastContact(now) === now);
    const path = `/deviceManagement/managedDevices/${device?.managedDeviceId}`;
    await h.expectOk(demo, 'POST', `${path}/syncDevice`, {}, 204);
    await h.expectOk(demo, 'POST', `${path}/windowsDefenderScan`, { body: { quickScan: true } }, 204);
    await h.advance(9 * minute);
    const after = await h.expectOk(demo, 'GET', path, {
      surface: 'graph-beta',
      query: { $expand: 'windowsProtectionState' },
    });
    // The device checks in 3 minutes after the sync and finishes the scan 5 minutes later (or a scheduled one came later still).
    expect(Date.parse(after.lastSyncDateTime as string)).toBeGreaterThanOrEqual(now + 3 * minute);
    expect(
      Date.parse((after.windowsProtectionState as Json).lastQuickScanDateTime as string),
    ).toBeGreaterThanOrEqual(now + 8 * minute);
  });
});

describe('route table', () => {
  it('asks every route for application permissions, and counts exactly the changing methods as writes', () => {
    const routes = allRoutes(harness().world);
    expect(routes.length).toBeGreaterThan(50);
    for (const route of routes) {
      expect(route.permissions.length).toBeGreaterThan(0);
      expect(route.write).toBe(route.method !== 'GET');
    }
    const permissionsOf = (method: string, pattern: string): readonly string[] | undefined =>
      routes.find((route) => route.method === method && route.pattern === pattern)?.permissions;
    expect(
      permissionsOf('POST', '/deviceManagement/importedWindowsAutopilotDeviceIdentities/import'),
    ).toEqual(['DeviceManagementServiceConfig.ReadWrite.All']);
    expect(
      permissionsOf('POST', '/deviceManagement/managedDevices/{id}/windowsDefenderUpdateSignatures'),
    ).toEqual(['DeviceManagementManagedDevices.PrivilegedOperations.All']);
    expect(permissionsOf('POST', '/machines/{id}/runAntiVirusScan')).toEqual(['Machine.Scan']);
    expect(permissionsOf('GET', '/informationProtection/bitlocker/recoveryKeys/{id}')).toEqual([
      'BitLockerKey.Read.All',
    ]);
  });
});
