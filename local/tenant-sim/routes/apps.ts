/**
 * Intune apps and their install status per device and per user (beta `deviceStatuses`/`userStatuses`).
 */
import { type SimRequest, type SimRoute } from '../contract';
import {
  type SimDevice,
  type SimTenant,
  type SimWorld,
  ModelError,
  Permission,
  type SimUser,
} from '../model';
import { type MobileApp } from '../model/apps';
import { entity, iso, list, nowOf, route, shapedList, tenantOf } from './common';

const graph = ['graph-v1.0', 'graph-beta'] as const;
const read = [Permission.appsRead, Permission.appsReadWrite];
const base = '/deviceAppManagement/mobileApps';

function appShape(app: MobileApp): Record<string, unknown> {
  const definition = app.definition;
  return {
    '@odata.type': `#microsoft.graph.${definition.type}`,
    id: app.id,
    displayName: definition.displayName,
    description: definition.displayName,
    publisher: definition.publisher,
    largeIcon: null,
    createdDateTime: iso(app.createdAt),
    lastModifiedDateTime: iso(app.createdAt),
    isFeatured: false,
    privacyInformationUrl: null,
    informationUrl: null,
    owner: '',
    developer: '',
    notes: '',
    publishingState: 'published',
  };
}

function deviceStatusShape(app: MobileApp, device: SimDevice, now: number): Record<string, unknown> {
  const install = app.installOn(device, now);
  return {
    '@odata.type': '#microsoft.graph.mobileAppInstallStatus',
    id: `${device.managedDeviceId}_${app.id}`,
    deviceName: device.deviceName,
    deviceId: device.managedDeviceId,
    lastSyncDateTime: iso(install.reportedAt),
    mobileAppInstallStatusValue: install.state,
    installState: install.state,
    installStateDetail: 'noAdditionalDetails',
    errorCode: install.errorCode,
    osVersion: device.osVersion,
    osDescription:
      device.release.platform === 'Windows11' ? 'Windows 11 Enterprise' : 'Windows 10 Enterprise',
    userName: device.primaryUser?.displayName ?? null,
    userPrincipalName: device.primaryUser?.userPrincipalName ?? null,
    displayVersion: app.definition.version,
  };
}

function userStatusShape(
  app: MobileApp,
  user: SimUser,
  devices: readonly SimDevice[],
  now: number,
): Record<string, unknown> {
  const states = devices.map((device) => app.installOn(device, now).state);
  return {
    '@odata.type': '#microsoft.graph.userAppInstallStatus',
    id: `${user.id}_${app.id}`,
    userName: user.displayName,
    userPrincipalName: user.userPrincipalName,
    installedDeviceCount: states.filter((state) => state === 'installed').length,
    failedDeviceCount: states.filter((state) => state === 'failed').length,
    notInstalledDeviceCount: states.filter((state) => state === 'pendingInstall').length,
  };
}

export function appRoutes(world: SimWorld): SimRoute[] {
  const appOf = (request: SimRequest): { tenant: SimTenant; app: MobileApp } => {
    const tenant = tenantOf(world, request);
    const id = (request.params.id ?? '').toLowerCase();
    const app = tenant.mobileApps.find((candidate) => candidate.id === id);
    if (!app) throw new ModelError(404, 'ResourceNotFound', `mobileApp '${id}' was not found.`);
    return { tenant, app };
  };
  return [
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: base,
      write: false,
      permissions: read,
      handler: (request) =>
        list(request, tenantOf(world, request).mobileApps.map(appShape), 'deviceAppManagement/mobileApps'),
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: `${base}/{id}`,
      write: false,
      permissions: read,
      handler: (request) => entity(request, appShape(appOf(request).app), 'deviceAppManagement/mobileApps'),
    }),
    route({
      method: 'GET',
      surfaces: ['graph-beta'],
      pattern: `${base}/{id}/deviceStatuses`,
      write: false,
      permissions: read,
      handler: (request) => {
        const { tenant, app } = appOf(request);
        const now = nowOf(request);
        return list(
          request,
          shapedList(tenant.managedDevices(now), (device) => deviceStatusShape(app, device, now)),
          `deviceAppManagement/mobileApps('${app.id}')/deviceStatuses`,
        );
      },
    }),
    route({
      method: 'GET',
      surfaces: ['graph-beta'],
      pattern: `${base}/{id}/userStatuses`,
      write: false,
      permissions: read,
      handler: (request) => {
        const { tenant, app } = appOf(request);
        const now = nowOf(request);
        const devicesByUser = new Map<SimUser, SimDevice[]>();
        for (const device of tenant.managedDevices(now)) {
          if (!device.primaryUser) continue;
          const owned = devicesByUser.get(device.primaryUser) ?? [];
          owned.push(device);
          devicesByUser.set(device.primaryUser, owned);
        }
        const users = [...devicesByUser.entries()];
        return list(
          request,
          shapedList(users, ([user, devices]) => userStatusShape(app, user, devices, now)),
          `deviceAppManagement/mobileApps('${app.id}')/userStatuses`,
        );
      },
    }),
  ];
}
