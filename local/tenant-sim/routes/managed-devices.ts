/**
 * Intune managed devices: list and get (beta: `$expand=windowsProtectionState`), the remote actions the
 * service uses, and Endpoint analytics device performance.
 */
import { type SimRequest, type SimRoute } from '../contract';
import { type SimDevice, type SimTenant, type SimWorld, ModelError, Permission } from '../model';
import { deviceHardwareFacts, devicePerformance } from '../model/analytics';
import { protectionFacts } from '../model/protection';
import {
  type FilterKey,
  emptyGuid,
  entity,
  intuneNever,
  iso,
  list,
  narrow,
  noContent,
  nowOf,
  objectBody,
  route,
  shapedList,
  tenantOf,
} from './common';

const read = [Permission.managedDevicesRead, Permission.managedDevicesReadWrite];
const graph = ['graph-v1.0', 'graph-beta'] as const;
const base = '/deviceManagement/managedDevices';

export function managedDeviceShape(
  tenant: SimTenant,
  device: SimDevice,
  now: number,
  surface: SimRequest['surface'] = 'graph-v1.0',
  /** In a list, Intune answers `hardwareInformation` with default values: the real ones only to one device's GET. */
  inList = false,
): Record<string, unknown> {
  const user = device.primaryUser;
  const hardware = deviceHardwareFacts(device);
  return {
    id: device.managedDeviceId,
    userId: user?.id ?? null,
    deviceName: device.deviceName,
    managedDeviceOwnerType: 'company',
    enrolledDateTime: iso(device.enrolledAt),
    lastSyncDateTime: iso(device.lastSyncAt(now)),
    operatingSystem: 'Windows',
    complianceState: tenant.complianceState(device, now),
    jailBroken: 'Unknown',
    managementAgent: 'mdm',
    osVersion: device.osVersion,
    easActivated: false,
    easDeviceId: '',
    easActivationDateTime: intuneNever,
    azureADRegistered: true,
    deviceEnrollmentType: 'windowsAzureADJoin',
    activationLockBypassCode: null,
    emailAddress: user?.userPrincipalName ?? '',
    azureADDeviceId: device.azureADDeviceId,
    deviceRegistrationState: 'registered',
    deviceCategoryDisplayName: 'Unknown Category',
    isSupervised: false,
    exchangeLastSuccessfulSyncDateTime: intuneNever,
    exchangeAccessState: 'none',
    exchangeAccessStateReason: 'none',
    remoteAssistanceSessionUrl: null,
    remoteAssistanceSessionErrorDetails: null,
    isEncrypted: device.isEncrypted(now),
    userPrincipalName: user?.userPrincipalName ?? '',
    model: device.hardware.model,
    manufacturer: device.hardware.manufacturer,
    imei: '',
    complianceGracePeriodExpirationDateTime: '9999-12-31T23:59:59Z',
    serialNumber: device.serialNumber,
    phoneNumber: '',
    androidSecurityPatchLevel: '',
    userDisplayName: user?.displayName ?? '',
    configurationManagerClientEnabledFeatures: null,
    wiFiMacAddress: hardware.wiFiMacAddress,
    deviceHealthAttestationState: null,
    subscriberCarrier: '',
    meid: '',
    totalStorageSpaceInBytes: hardware.totalStorageSpaceInBytes,
    freeStorageSpaceInBytes: hardware.freeStorageSpaceInBytes,
    managedDeviceName: `${user?.userPrincipalName.split('@')[0] ?? 'device'}_Windows_${new Date(device.enrolledAt).toISOString().slice(0, 10)}`,
    partnerReportedThreatState: 'unknown',
    requireUserEnrollmentApproval: null,
    managementCertificateExpirationDate: iso(device.enrolledAt + 365 * 24 * 3_600_000),
    iccid: null,
    udid: null,
    notes: null,
    ethernetMacAddress: null,
    physicalMemoryInBytes: 0,
    enrollmentProfileName: null,
    // beta only: the TPM facts BitLocker depends on (v1.0 has no hardwareInformation); a list carries defaults.
    ...(surface === 'graph-beta'
      ? {
          hardwareInformation: inList
            ? {
                serialNumber: null,
                manufacturer: null,
                model: null,
                tpmSpecificationVersion: null,
                tpmManufacturer: null,
                tpmVersion: null,
                osBuildNumber: null,
              }
            : {
                serialNumber: device.serialNumber,
                manufacturer: device.hardware.manufacturer,
                model: device.hardware.model,
                tpmSpecificationVersion: device.hasTpm ? '2.0' : '',
                tpmManufacturer: device.hasTpm ? 'IFX' : '',
                tpmVersion: device.hasTpm ? '7.85' : '',
                osBuildNumber: device.osVersion,
              },
        }
      : {}),
    // beta only: who signed in on the device (the primary user, at the device's last check-in).
    ...(surface === 'graph-beta'
      ? {
          usersLoggedOn: user ? [{ userId: user.id, lastLogOnDateTime: iso(device.lastSyncAt(now)) }] : [],
        }
      : {}),
    deviceActionResults: device.intuneActions().map((action) => {
      const finished = action.completesAt <= now;
      return {
        actionName: action.name,
        actionState: finished ? (action.failed ? 'failed' : 'done') : 'pending',
        startDateTime: iso(action.requestedAt),
        lastUpdatedDateTime: iso(finished ? action.completesAt : action.requestedAt),
      };
    }),
  };
}

export function protectionStateShape(device: SimDevice, now: number): Record<string, unknown> {
  const facts = protectionFacts(device, now);
  return {
    '@odata.type': '#microsoft.graph.windowsProtectionState',
    id: device.managedDeviceId,
    malwareProtectionEnabled: facts.malwareProtectionEnabled,
    deviceState: facts.deviceState,
    realTimeProtectionEnabled: facts.realTimeProtectionEnabled,
    networkInspectionSystemEnabled: facts.networkInspectionSystemEnabled,
    quickScanOverdue: facts.quickScanOverdue,
    fullScanOverdue: facts.fullScanOverdue,
    signatureUpdateOverdue: facts.signatureUpdateOverdue,
    rebootRequired: facts.rebootRequired,
    fullScanRequired: facts.fullScanRequired,
    engineVersion: facts.engineVersion,
    signatureVersion: facts.signatureVersion,
    antiMalwareVersion: facts.antiMalwareVersion,
    lastQuickScanDateTime: iso(facts.lastQuickScanAt),
    lastFullScanDateTime: iso(facts.lastFullScanAt),
    lastQuickScanSignatureVersion: facts.lastQuickScanSignatureVersion,
    lastFullScanSignatureVersion: facts.lastFullScanSignatureVersion,
    lastReportedDateTime: iso(facts.lastReportedAt),
    productStatus: facts.productStatus,
    isVirtualMachine: facts.isVirtualMachine,
    tamperProtectionEnabled: facts.tamperProtectionEnabled,
  };
}

function performanceShape(device: SimDevice, now: number): Record<string, unknown> {
  const performance = devicePerformance(device, now);
  return {
    id: device.managedDeviceId,
    deviceName: device.deviceName,
    model: device.hardware.model,
    manufacturer: device.hardware.manufacturer,
    diskType: device.hardware.diskType,
    operatingSystemVersion: device.osVersion,
    bootScore: performance.bootScore,
    coreBootTimeInMs: performance.coreBootTimeInMs,
    groupPolicyBootTimeInMs: performance.groupPolicyBootTimeInMs,
    healthStatus: performance.healthStatus,
    loginScore: performance.loginScore,
    coreLoginTimeInMs: performance.coreLoginTimeInMs,
    groupPolicyLoginTimeInMs: performance.groupPolicyLoginTimeInMs,
    deviceCount: 1,
    responsiveDesktopTimeInMs: performance.responsiveDesktopTimeInMs,
    blueScreenCount: performance.blueScreenCount,
    restartCount: performance.restartCount,
    averageBlueScreens: performance.blueScreenCount,
    averageRestarts: performance.restartCount,
    startupPerformanceScore: performance.startupPerformanceScore,
    modelStartupPerformanceScore: performance.startupPerformanceScore,
  };
}

function scoresShape(device: SimDevice, now: number): Record<string, unknown> {
  const performance = devicePerformance(device, now);
  const appReliabilityScore = Math.max(0, 100 - performance.blueScreenCount * 12 - device.phase(31, 15));
  const workFromAnywhereScore = device.release.platform === 'Windows11' ? 92 : 71;
  const endpointAnalyticsScore =
    Math.round(
      ((performance.startupPerformanceScore + appReliabilityScore + workFromAnywhereScore) / 3) * 10,
    ) / 10;
  return {
    id: device.managedDeviceId,
    deviceName: device.deviceName,
    model: device.hardware.model,
    manufacturer: device.hardware.manufacturer,
    endpointAnalyticsScore,
    startupPerformanceScore: performance.startupPerformanceScore,
    appReliabilityScore,
    workFromAnywhereScore,
    batteryHealthScore: 0,
    healthStatus: performance.healthStatus,
  };
}

/** Application reliability across the fleet: one row per app, from the devices' crash draws. */
function appHealthRows(tenant: SimTenant, now: number): Record<string, unknown>[] {
  const devices = tenant.managedDevices(now);
  const apps = [
    ['msedge.exe', 'Microsoft Edge', 'Microsoft Corporation'],
    ['teams.exe', 'Microsoft Teams', 'Microsoft Corporation'],
    ['outlook.exe', 'Microsoft Outlook', 'Microsoft Corporation'],
    ['winword.exe', 'Microsoft Word', 'Microsoft Corporation'],
  ] as const;
  return apps.map(([appName, appDisplayName, appPublisher], index) => {
    let crashes = 0;
    for (const device of devices) crashes += device.phase(40 + index, 100) < 3 ? 1 : 0;
    const activeDeviceCount = devices.length;
    return {
      id: `${appName}`,
      appName,
      appDisplayName,
      appPublisher,
      activeDeviceCount,
      appCrashCount: crashes,
      appHangCount: Math.floor(crashes / 2),
      appUsageDuration: activeDeviceCount * 600,
      meanTimeToFailureInMinutes: crashes === 0 ? 0 : Math.round((activeDeviceCount * 600) / crashes),
      appHealthScore:
        activeDeviceCount === 0 ? 0 : Math.round(100 - (crashes * 1000) / activeDeviceCount) / 1,
      appHealthStatus: crashes * 20 > activeDeviceCount ? 'needsAttention' : 'meetingGoals',
    };
  });
}

/** Managed device properties a `$filter` can be checked on before devices are shaped. */
function managedDeviceKeys(tenant: SimTenant, now: number): Record<string, FilterKey<SimDevice>> {
  return {
    id: { value: (device) => device.managedDeviceId, find: (id) => tenant.deviceByManagedDeviceId(id) },
    azureADDeviceId: {
      value: (device) => device.azureADDeviceId,
      find: (id) => tenant.deviceByAadDeviceId(id),
    },
    serialNumber: {
      value: (device) => device.serialNumber,
      find: (serial) => tenant.registeredDevice(serial),
    },
    deviceName: { value: (device) => device.deviceName },
    complianceState: { value: (device) => tenant.complianceState(device, now) },
    isEncrypted: { value: (device) => device.isEncrypted(now) },
    userPrincipalName: { value: (device) => device.primaryUser?.userPrincipalName ?? '' },
    operatingSystem: { value: () => 'Windows' },
  };
}

/** The enrolled device behind `{id}`, or Intune's 404. */
function enrolledDevice(tenant: SimTenant, request: SimRequest): SimDevice {
  const id = request.params.id ?? emptyGuid;
  const device = tenant.deviceByManagedDeviceId(id);
  if (!device || !device.isEnrolled(nowOf(request)))
    throw new ModelError(404, 'ResourceNotFound', `The managed device '${id}' was not found.`);
  return device;
}

function protectionExpand(
  tenant: SimTenant,
  request: SimRequest,
): Record<string, (item: Record<string, unknown>) => unknown> | undefined {
  if (request.surface !== 'graph-beta') return undefined;
  const now = nowOf(request);
  return {
    windowsProtectionState: (item) => {
      const device = tenant.deviceByManagedDeviceId(String(item.id));
      return device ? protectionStateShape(device, now) : null;
    },
  };
}

function action(
  world: SimWorld,
  name: string,
  permissions: string[],
  surfaces: SimRoute['surfaces'],
  run: (device: SimDevice, request: SimRequest) => void,
): SimRoute {
  return route({
    method: 'POST',
    surfaces,
    pattern: `${base}/{id}/${name}`,
    write: true,
    permissions,
    handler: (request) => {
      run(enrolledDevice(tenantOf(world, request), request), request);
      return noContent;
    },
  });
}

export function managedDeviceRoutes(world: SimWorld): SimRoute[] {
  return [
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: base,
      write: false,
      permissions: read,
      handler: (request) => {
        const tenant = tenantOf(world, request);
        const now = nowOf(request);
        const devices = narrow(tenant.managedDevices(now), request, managedDeviceKeys(tenant, now));
        const items = shapedList(devices, (device) =>
          managedDeviceShape(tenant, device, now, request.surface, true),
        );
        const expand = protectionExpand(tenant, request);
        return list(request, items, 'deviceManagement/managedDevices', {
          entityType: 'microsoft.graph.managedDevice',
          ...(expand ? { expand } : {}),
        });
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: `${base}/{id}`,
      write: false,
      permissions: read,
      handler: (request) => {
        const tenant = tenantOf(world, request);
        const device = enrolledDevice(tenant, request);
        const expand = protectionExpand(tenant, request);
        return entity(
          request,
          managedDeviceShape(tenant, device, nowOf(request), request.surface),
          'deviceManagement/managedDevices',
          {
            entityType: 'microsoft.graph.managedDevice',
            ...(expand ? { expand } : {}),
          },
        );
      },
    }),
    route({
      method: 'GET',
      surfaces: ['graph-beta'],
      pattern: `${base}/{id}/windowsProtectionState`,
      write: false,
      permissions: read,
      handler: (request) => {
        const device = enrolledDevice(tenantOf(world, request), request);
        return entity(
          request,
          protectionStateShape(device, nowOf(request)),
          `deviceManagement/managedDevices('${device.managedDeviceId}')/windowsProtectionState`,
        );
      },
    }),
    action(world, 'syncDevice', [Permission.managedDevicesPrivileged], [...graph], (device, request) =>
      device.syncDevice(nowOf(request)),
    ),
    action(
      world,
      'windowsDefenderScan',
      [Permission.managedDevicesPrivileged],
      [...graph],
      (device, request) => {
        const quickScan =
          request.body === undefined || request.body === null ? undefined : objectBody(request).quickScan;
        if (quickScan !== undefined && typeof quickScan !== 'boolean')
          throw new ModelError(400, 'BadRequest', "Invalid value specified for parameter 'quickScan'.");
        device.windowsDefenderScan(nowOf(request), quickScan === true);
      },
    ),
    action(
      world,
      'windowsDefenderUpdateSignatures',
      [Permission.managedDevicesPrivileged],
      [...graph],
      (device, request) => device.windowsDefenderUpdateSignatures(nowOf(request)),
    ),
    action(
      world,
      'rotateBitLockerKeys',
      [Permission.managedDevicesReadWrite],
      ['graph-beta'],
      (device, request) => device.rotateBitLockerKeys(nowOf(request)),
    ),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: '/deviceManagement/userExperienceAnalyticsDevicePerformance',
      write: false,
      permissions: read,
      handler: (request) => {
        const tenant = tenantOf(world, request);
        const now = nowOf(request);
        const items = shapedList(tenant.managedDevices(now), (device) => performanceShape(device, now));
        return list(request, items, 'deviceManagement/userExperienceAnalyticsDevicePerformance', {
          entityType: 'microsoft.graph.userExperienceAnalyticsDevicePerformance',
        });
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: '/deviceManagement/userExperienceAnalyticsDeviceScores',
      write: false,
      permissions: read,
      handler: (request) => {
        const tenant = tenantOf(world, request);
        const now = nowOf(request);
        const items = shapedList(tenant.managedDevices(now), (device) => scoresShape(device, now));
        return list(request, items, 'deviceManagement/userExperienceAnalyticsDeviceScores', {
          entityType: 'microsoft.graph.userExperienceAnalyticsDeviceScores',
        });
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: '/deviceManagement/userExperienceAnalyticsAppHealthApplicationPerformance',
      write: false,
      permissions: read,
      handler: (request) => {
        const tenant = tenantOf(world, request);
        return list(
          request,
          appHealthRows(tenant, nowOf(request)),
          'deviceManagement/userExperienceAnalyticsAppHealthApplicationPerformance',
          { entityType: 'microsoft.graph.userExperienceAnalyticsAppHealthApplicationPerformance' },
        );
      },
    }),
  ];
}
