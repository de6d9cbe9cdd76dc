/**
 * Defender for Endpoint: machines, device antivirus health (`deviceavinfo`), antivirus scans and machine
 * actions. Defender pages with `$skip`, caps `$top` at 10,000 and writes `{error:{code,message,target}}`.
 */
import { type SimRequest, type SimRoute } from '../contract';
import { type SimDevice, type SimTenant, type SimWorld, ModelError, Permission } from '../model';
import { type MachineAction } from '../model/defender';
import { protectionFacts } from '../model/protection';
import { defenderPaging } from '../odata';
import {
  created,
  iso,
  list,
  narrow,
  nowOf,
  objectBody,
  ok,
  route,
  shapedList,
  tenantOf,
  unreadBeforeSkip,
} from './common';

const machineReaders = [Permission.machineRead, Permission.machineReadWrite];
const hour = 3_600_000;

function ipAddress(device: SimDevice, salt: number, prefix: string): string {
  const value = device.phase(salt, 2 ** 24);
  return `${prefix}.${(value >> 16) & 255}.${(value >> 8) & 255}.${Math.max(1, value & 255)}`;
}

function machineShape(device: SimDevice, now: number): Record<string, unknown> {
  const onboarded = device.isOnboarded(now);
  const health = onboarded ? device.defenderHealth(now) : 'Inactive';
  const risk = ['None', 'Low', 'Low', 'Medium', 'High'][device.phase(31, 5)] as string;
  const exposure = ['Low', 'Medium', 'Medium', 'High'][device.phase(32, 4)] as string;
  const lastIp = ipAddress(device, 33, '10');
  return {
    id: device.machineId,
    computerDnsName: device.deviceName.toLowerCase(),
    firstSeen: iso(onboarded ? device.onboardedAt : device.enrolledAt + hour),
    lastSeen: iso(onboarded ? device.lastSeenAt(now) : device.lastSyncAt(now)),
    osPlatform: device.release.platform,
    osVersion: null,
    osProcessor: 'x64',
    version: device.release.release,
    lastIpAddress: lastIp,
    lastExternalIpAddress: ipAddress(device, 34, '20'),
    agentVersion: onboarded ? `10.8760.${device.release.build}.${device.osRevision}` : null,
    osBuild: device.release.build,
    healthStatus: health,
    deviceValue: 'Normal',
    rbacGroupId: 0,
    rbacGroupName: null,
    riskScore: onboarded ? risk : 'None',
    exposureLevel: onboarded ? exposure : 'None',
    isAadJoined: onboarded,
    aadDeviceId: onboarded ? device.azureADDeviceId : null,
    machineTags: [],
    defenderAvStatus: onboarded ? (device.signatures(now).overdue ? 'NotUpdated' : 'Updated') : 'Unknown',
    onboardingStatus: onboarded ? 'Onboarded' : 'CanBeOnboarded',
    osArchitecture: '64-bit',
    managedBy: 'Intune',
    managedByStatus: 'Success',
    ipAddresses: [{ ipAddress: lastIp, macAddress: null, type: 'Wireless80211', operationalStatus: 'Up' }],
    vmMetadata: null,
  };
}

function avInfoShape(device: SimDevice, now: number): Record<string, unknown> {
  const facts = protectionFacts(device, now);
  const upToDate = facts.signatureUpdateOverdue ? 'False' : 'True';
  return {
    id: device.machineId,
    machineId: device.machineId,
    computerDnsName: device.deviceName.toLowerCase(),
    osKind: 'windows',
    osPlatform: device.release.platform,
    osVersion: device.osVersion,
    avMode: facts.avMode === 'active' ? '0' : '1',
    avSignatureVersion: facts.signatureVersion,
    avEngineVersion: facts.engineVersion,
    avPlatformVersion: facts.antiMalwareVersion,
    lastSeenTime: iso(device.lastSeenAt(now)),
    quickScanResult: facts.lastQuickScanAt === null ? '' : 'Completed',
    quickScanError: '',
    quickScanTime: iso(facts.lastQuickScanAt),
    fullScanResult: facts.lastFullScanAt === null ? '' : 'Completed',
    fullScanError: '',
    fullScanTime: iso(facts.lastFullScanAt),
    dataRefreshTimestamp: iso(device.lastSeenAt(now)),
    avEngineUpdateTime: iso(facts.signatureUpdatedAt),
    avSignatureUpdateTime: iso(facts.signatureUpdatedAt),
    avPlatformUpdateTime: iso(facts.signatureUpdatedAt),
    avIsSignatureUpToDate: upToDate,
    avIsEngineUpToDate: upToDate,
    avIsPlatformUpToDate: upToDate,
    avSignaturePublishTime: iso(facts.signatureUpdatedAt),
    rbacGroupName: null,
    rbacGroupId: 0,
  };
}

function actionShape(action: MachineAction, now: number): Record<string, unknown> {
  return {
    id: action.id,
    type: action.type,
    title: `${action.scope} antivirus scan`,
    requestor: action.requestor,
    requestorComment: action.comment,
    status: action.status(now),
    machineId: action.device.machineId,
    computerDnsName: action.device.deviceName.toLowerCase(),
    creationDateTimeUtc: iso(action.createdAt),
    lastUpdateDateTimeUtc: iso(action.lastUpdatedAt(now)),
    cancellationRequestor: null,
    cancellationComment: null,
    cancellationDateTimeUtc: null,
    errorHResult: 0,
    scope: action.scope,
    externalId: null,
    requestSource: 'PublicApi',
    relatedFileInfo: null,
    commands: [],
    troubleshootInfo: null,
  };
}

const machineFilterable = [
  'computerDnsName',
  'id',
  'version',
  'deviceValue',
  'aadDeviceId',
  'machineTags',
  'lastSeen',
  'exposureLevel',
  'onboardingStatus',
  'lastIpAddress',
  'healthStatus',
  'osPlatform',
  'riskScore',
  'rbacGroupId',
];
const avInfoFilterable = [
  'machineId',
  'computerDnsName',
  'osKind',
  'osPlatform',
  'osVersion',
  'avMode',
  'avSignatureVersion',
  'avEngineVersion',
  'avPlatformVersion',
  'quickScanResult',
  'quickScanError',
  'fullScanResult',
  'fullScanError',
  'avIsSignatureUpToDate',
  'avIsEngineUpToDate',
  'avIsPlatformUpToDate',
  'rbacGroupId',
];

export function defenderRoutes(world: SimWorld): SimRoute[] {
  const machineOf = (request: SimRequest): { tenant: SimTenant; device: SimDevice } => {
    const tenant = tenantOf(world, request);
    const id = request.params.id ?? '';
    const device = tenant.deviceByMachineId(id);
    if (!device || !tenant.isDefenderMachine(device, nowOf(request)))
      throw new ModelError(404, 'ResourceNotFound', `Machine ${id} was not found`);
    return { tenant, device };
  };
  return [
    route({
      method: 'GET',
      surfaces: ['defender'],
      pattern: '/machines',
      write: false,
      permissions: machineReaders,
      handler: (request) => {
        const now = nowOf(request);
        const tenant = tenantOf(world, request);
        const candidates = narrow(tenant.defenderMachines(now), request, {
          id: { value: (device) => device.machineId, find: (id) => tenant.deviceByMachineId(id) },
          aadDeviceId: {
            value: (device) => (device.isOnboarded(now) ? device.azureADDeviceId : null),
            find: (id) => tenant.deviceByAadDeviceId(id),
          },
          healthStatus: {
            value: (device) => (device.isOnboarded(now) ? device.defenderHealth(now) : 'Inactive'),
          },
          onboardingStatus: { value: (device) => (device.isOnboarded(now) ? 'Onboarded' : 'CanBeOnboarded') },
          computerDnsName: { value: (device) => device.deviceName.toLowerCase() },
        });
        const machines = shapedList(
          candidates,
          (device) => machineShape(device, now),
          unreadBeforeSkip(request),
        );
        return list(request, machines, 'Machines', { ...defenderPaging, filterable: machineFilterable });
      },
    }),
    route({
      method: 'GET',
      surfaces: ['defender'],
      pattern: '/machines/{id}',
      write: false,
      permissions: machineReaders,
      handler: (request) =>
        ok({
          '@odata.context': `${request.baseUrl}/$metadata#Machines/$entity`,
          ...machineShape(machineOf(request).device, nowOf(request)),
        }),
    }),
    route({
      method: 'GET',
      surfaces: ['defender'],
      pattern: '/deviceavinfo',
      write: false,
      permissions: [Permission.machineRead],
      handler: (request) => {
        const now = nowOf(request);
        const tenant = tenantOf(world, request);
        const onboarded = narrow(
          tenant.defenderMachines(now).filter((device) => device.isOnboarded(now)),
          request,
          {
            machineId: { value: (device) => device.machineId, find: (id) => tenant.deviceByMachineId(id) },
            computerDnsName: { value: (device) => device.deviceName.toLowerCase() },
          },
        );
        return list(
          request,
          shapedList(onboarded, (device) => avInfoShape(device, now), unreadBeforeSkip(request)),
          'DeviceAvInfo',
          {
            ...defenderPaging,
            defaultTop: 20,
            filterable: avInfoFilterable,
          },
        );
      },
    }),
    route({
      method: 'POST',
      surfaces: ['defender'],
      pattern: '/machines/{id}/runAntiVirusScan',
      write: true,
      permissions: [Permission.machineScan],
      handler: (request) => {
        const { tenant, device } = machineOf(request);
        const body = objectBody(request);
        for (const name of ['Comment', 'ScanType']) {
          if (typeof body[name] !== 'string')
            throw new ModelError(400, 'MissingRequiredParameter', `Parameter ${name} is missing.`);
        }
        const scope = body.ScanType;
        if (scope !== 'Quick' && scope !== 'Full')
          throw new ModelError(400, 'InvalidRequestBody', 'Request body is incorrect');
        const now = nowOf(request);
        const action = tenant.defender.runAntivirusScan(
          device,
          scope,
          body.Comment as string,
          request.appId,
          now,
        );
        return created({
          '@odata.context': `${request.baseUrl}/$metadata#MachineActions/$entity`,
          ...actionShape(action, now),
        });
      },
    }),
    route({
      method: 'GET',
      surfaces: ['defender'],
      pattern: '/machineactions',
      write: false,
      permissions: machineReaders,
      handler: (request) => {
        const now = nowOf(request);
        const actions = tenantOf(world, request)
          .defender.all()
          .map((action) => actionShape(action, now));
        return list(request, actions, 'MachineActions', {
          ...defenderPaging,
          filterable: ['id', 'status', 'machineId', 'type', 'requestor', 'creationDateTimeUtc'],
        });
      },
    }),
    route({
      method: 'GET',
      surfaces: ['defender'],
      pattern: '/machineactions/{id}',
      write: false,
      permissions: machineReaders,
      handler: (request) => {
        const now = nowOf(request);
        const action = tenantOf(world, request).defender.get(request.params.id ?? '');
        return ok({
          '@odata.context': `${request.baseUrl}/$metadata#MachineActions/$entity`,
          ...actionShape(action, now),
        });
      },
    }),
  ];
}
