/**
 * Windows Autopilot: device import and its processing state, Autopilot devices, the sync action (beta),
 * and deployment profiles with group assignments and assigned devices (beta).
 */
import { type SimRequest, type SimRoute } from '../contract';
import { type SimDevice, type SimTenant, type SimWorld, ModelError, Permission } from '../model';
import {
  type AutopilotProfile,
  type ImportInput,
  type ImportedIdentity,
  type OobeSettings,
  type ProfileAssignment,
  type ProfileSettings,
} from '../model/autopilot';
import { parseTarget } from '../model/targets';
import {
  collection,
  contextUrl,
  created,
  emptyGuid,
  entity,
  intuneNever,
  iso,
  list,
  narrow,
  noContent,
  nowOf,
  objectBody,
  ok,
  optionalString,
  route,
  shapedList,
  tenantOf,
} from './common';

const read = [Permission.serviceConfigRead, Permission.serviceConfigReadWrite];
const write = [Permission.serviceConfigReadWrite];
const graph = ['graph-v1.0', 'graph-beta'] as const;
const imports = '/deviceManagement/importedWindowsAutopilotDeviceIdentities';
const devices = '/deviceManagement/windowsAutopilotDeviceIdentities';
const profiles = '/deviceManagement/windowsAutopilotDeploymentProfiles';

function importedShape(identity: ImportedIdentity, now: number): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.importedWindowsAutopilotDeviceIdentity',
    id: identity.id,
    groupTag: identity.input.groupTag ?? '',
    serialNumber: identity.input.serialNumber,
    productKey: identity.input.productKey ?? '',
    importId: identity.input.importId ?? '',
    hardwareIdentifier: identity.input.hardwareIdentifier,
    state: {
      '@odata.type': 'microsoft.graph.importedWindowsAutopilotDeviceIdentityState',
      ...identity.state(now),
    },
    assignedUserPrincipalName: identity.input.assignedUserPrincipalName ?? '',
  };
}

function autopilotDeviceShape(
  tenant: SimTenant,
  device: SimDevice,
  now: number,
  beta: boolean,
): Record<string, unknown> {
  const enrolled = device.isEnrolled(now);
  const shape: Record<string, unknown> = {
    '@odata.type': '#microsoft.graph.windowsAutopilotDeviceIdentity',
    id: device.autopilotId,
    groupTag: device.groupTag ?? '',
    purchaseOrderIdentifier: '',
    serialNumber: device.serialNumber,
    productKey: '',
    manufacturer: device.hardware.manufacturer,
    model: device.hardware.model,
    enrollmentState: device.enrollmentState(now),
    lastContactedDateTime: enrolled ? iso(device.lastSyncAt(now)) : intuneNever,
    addressableUserName: device.primaryUser?.displayName ?? '',
    userPrincipalName: device.primaryUser?.userPrincipalName ?? '',
    resourceName: '',
    skuNumber: '',
    systemFamily: '',
    azureActiveDirectoryDeviceId: device.azureADDeviceId,
    managedDeviceId: enrolled ? device.managedDeviceId : emptyGuid,
    displayName: enrolled ? device.deviceName : '',
  };
  if (beta) {
    const assigned = tenant.autopilot.profileFor(device, now);
    Object.assign(shape, {
      azureAdDeviceId: device.azureADDeviceId,
      deploymentProfileAssignmentStatus: assigned?.status ?? 'notAssigned',
      deploymentProfileAssignmentDetailedStatus: 'none',
      deploymentProfileAssignedDateTime: assigned ? iso(assigned.assignedAt) : intuneNever,
      remediationState: 'unknown',
      remediationStateLastModifiedDateTime: intuneNever,
      userlessEnrollmentStatus: 'unknown',
    });
  }
  return shape;
}

function profileShape(profile: AutopilotProfile): Record<string, unknown> {
  const { oobe, ...settings } = profile.settings;
  return {
    '@odata.type': settings['@odata.type'],
    id: profile.id,
    displayName: settings.displayName,
    description: settings.description ?? '',
    language: settings.locale,
    locale: settings.locale,
    createdDateTime: iso(profile.createdAt),
    lastModifiedDateTime: iso(profile.modifiedAt),
    outOfBoxExperienceSettings: {
      hidePrivacySettings: oobe.hidePrivacySettings,
      hideEULA: oobe.hideEULA,
      userType: oobe.userType,
      deviceUsageType: oobe.deviceUsageType,
      skipKeyboardSelectionPage: oobe.skipKeyboardSelectionPage,
      hideEscapeLink: oobe.hideEscapeLink,
    },
    outOfBoxExperienceSetting: {
      privacySettingsHidden: oobe.hidePrivacySettings,
      eulaHidden: oobe.hideEULA,
      userType: oobe.userType,
      deviceUsageType: oobe.deviceUsageType,
      keyboardSelectionPageSkipped: oobe.skipKeyboardSelectionPage,
      escapeLinkHidden: oobe.hideEscapeLink,
    },
    enrollmentStatusScreenSettings: null,
    extractHardwareHash: settings.hardwareHashExtractionEnabled,
    hardwareHashExtractionEnabled: settings.hardwareHashExtractionEnabled,
    deviceNameTemplate: settings.deviceNameTemplate ?? '',
    deviceType: settings.deviceType,
    enableWhiteGlove: settings.preprovisioningAllowed,
    preprovisioningAllowed: settings.preprovisioningAllowed,
    roleScopeTagIds: settings.roleScopeTagIds,
    managementServiceAppId: null,
  };
}

function assignmentShape(profile: AutopilotProfile, assignment: ProfileAssignment): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.windowsAutopilotDeploymentProfileAssignment',
    id: assignment.id,
    target: {
      ...assignment.target,
      deviceAndAppManagementAssignmentFilterId: null,
      deviceAndAppManagementAssignmentFilterType: 'none',
    },
    source: 'direct',
    sourceId: profile.id,
  };
}

// ── Request bodies ─────────────────────────────────────────────────────────────

function importInputs(request: SimRequest): ImportInput[] {
  const entries = objectBody(request).importedWindowsAutopilotDeviceIdentities;
  if (!Array.isArray(entries)) {
    throw new ModelError(
      400,
      'BadRequest',
      "The parameter 'importedWindowsAutopilotDeviceIdentities' is missing from the request payload.",
    );
  }
  return entries.map((entry: unknown) => {
    if (entry === null || typeof entry !== 'object')
      throw new ModelError(400, 'BadRequest', 'Each imported device identity must be an object.');
    const item = entry as Record<string, unknown>;
    const serialNumber = optionalString(item, 'serialNumber');
    if (!serialNumber)
      throw new ModelError(400, 'BadRequest', "Invalid value specified for property 'serialNumber'.");
    const hardwareIdentifier = optionalString(item, 'hardwareIdentifier');
    // Edm.Binary arrives as base64; anything else does not deserialise.
    if (hardwareIdentifier && !/^[A-Za-z0-9+/]*={0,2}$/.test(hardwareIdentifier)) {
      throw new ModelError(
        400,
        'BadRequest',
        "Cannot convert the literal to the expected type 'Edm.Binary' for property 'hardwareIdentifier'.",
      );
    }
    return {
      serialNumber,
      hardwareIdentifier: hardwareIdentifier || null,
      groupTag: optionalString(item, 'groupTag'),
      productKey: optionalString(item, 'productKey'),
      importId: optionalString(item, 'importId'),
      assignedUserPrincipalName: optionalString(item, 'assignedUserPrincipalName'),
    };
  });
}

const profileTypes = [
  '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
  '#microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile',
];

function flag(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

/** Reads OOBE settings from either the current `outOfBoxExperienceSetting` or the deprecated `…Settings`. */
function oobeSettings(body: Record<string, unknown>, current: OobeSettings | undefined): OobeSettings {
  const modern = body.outOfBoxExperienceSetting as Record<string, unknown> | undefined;
  const legacy = body.outOfBoxExperienceSettings as Record<string, unknown> | undefined;
  const base: OobeSettings = current ?? {
    hidePrivacySettings: false,
    hideEULA: false,
    userType: 'administrator',
    deviceUsageType: 'singleUser',
    skipKeyboardSelectionPage: false,
    hideEscapeLink: false,
  };
  const userType = modern?.userType ?? legacy?.userType ?? base.userType;
  const deviceUsageType = modern?.deviceUsageType ?? legacy?.deviceUsageType ?? base.deviceUsageType;
  if (userType !== 'administrator' && userType !== 'standard')
    throw new ModelError(400, 'BadRequest', `Invalid value ${JSON.stringify(userType)} for userType.`);
  if (deviceUsageType !== 'singleUser' && deviceUsageType !== 'shared') {
    throw new ModelError(
      400,
      'BadRequest',
      `Invalid value ${JSON.stringify(deviceUsageType)} for deviceUsageType.`,
    );
  }
  return {
    hidePrivacySettings: flag(
      modern?.privacySettingsHidden ?? legacy?.hidePrivacySettings,
      base.hidePrivacySettings,
    ),
    hideEULA: flag(modern?.eulaHidden ?? legacy?.hideEULA, base.hideEULA),
    userType,
    deviceUsageType,
    skipKeyboardSelectionPage: flag(
      modern?.keyboardSelectionPageSkipped ?? legacy?.skipKeyboardSelectionPage,
      base.skipKeyboardSelectionPage,
    ),
    hideEscapeLink: flag(modern?.escapeLinkHidden ?? legacy?.hideEscapeLink, base.hideEscapeLink),
  };
}

function profileSettings(body: Record<string, unknown>, current?: ProfileSettings): ProfileSettings {
  const rawType = body['@odata.type'];
  const type =
    typeof rawType === 'string'
      ? `#${rawType.replace(/^#/, '')}`
      : rawType === undefined
        ? current?.['@odata.type']
        : undefined;
  if (!type || !profileTypes.includes(type)) {
    throw new ModelError(
      400,
      'BadRequest',
      'A deployment profile must be an azureADWindowsAutopilotDeploymentProfile or an activeDirectoryWindowsAutopilotDeploymentProfile.',
    );
  }
  const displayName = optionalString(body, 'displayName') ?? current?.displayName;
  if (!displayName)
    throw new ModelError(400, 'BadRequest', "Invalid value specified for property 'displayName'.");
  const roleScopeTagIds = body.roleScopeTagIds;
  return {
    '@odata.type': type,
    displayName,
    description: optionalString(body, 'description') ?? current?.description ?? null,
    locale:
      optionalString(body, 'locale') ?? optionalString(body, 'language') ?? current?.locale ?? 'os-default',
    deviceNameTemplate: optionalString(body, 'deviceNameTemplate') ?? current?.deviceNameTemplate ?? null,
    deviceType: optionalString(body, 'deviceType') ?? current?.deviceType ?? 'windowsPc',
    preprovisioningAllowed: flag(
      body.preprovisioningAllowed ?? body.enableWhiteGlove,
      current?.preprovisioningAllowed ?? false,
    ),
    hardwareHashExtractionEnabled: flag(
      body.hardwareHashExtractionEnabled ?? body.extractHardwareHash,
      current?.hardwareHashExtractionEnabled ?? false,
    ),
    roleScopeTagIds: Array.isArray(roleScopeTagIds)
      ? roleScopeTagIds.map(String)
      : (current?.roleScopeTagIds ?? ['0']),
    oobe: oobeSettings(body, current?.oobe),
  };
}

// ── Routes ────────────────────────────────────────────────────────────────────

export function autopilotRoutes(world: SimWorld): SimRoute[] {
  const identityOf = (request: SimRequest): { tenant: SimTenant; identity: ImportedIdentity } => {
    const tenant = tenantOf(world, request);
    const identity = tenant.autopilot.importedIdentity(request.params.id ?? '');
    if (!identity)
      throw new ModelError(
        404,
        'ResourceNotFound',
        `importedWindowsAutopilotDeviceIdentity '${request.params.id}' was not found.`,
      );
    return { tenant, identity };
  };
  const autopilotDeviceOf = (request: SimRequest): { tenant: SimTenant; device: SimDevice } => {
    const tenant = tenantOf(world, request);
    const device = tenant.deviceByAutopilotId(request.params.id ?? '');
    if (!device || !device.isAutopilotVisible(nowOf(request))) {
      throw new ModelError(
        404,
        'ResourceNotFound',
        `windowsAutopilotDeviceIdentity '${request.params.id}' was not found.`,
      );
    }
    return { tenant, device };
  };
  const profileOf = (request: SimRequest): { tenant: SimTenant; profile: AutopilotProfile } => {
    const tenant = tenantOf(world, request);
    return { tenant, profile: tenant.autopilot.requireProfile(request.params.id ?? '') };
  };

  return [
    route({
      method: 'POST',
      surfaces: [...graph],
      pattern: `${imports}/import`,
      write: true,
      permissions: write,
      handler: (request) => {
        const tenant = tenantOf(world, request);
        const now = nowOf(request);
        const accepted = tenant.autopilot.importDevices(importInputs(request), now);
        return collection(
          contextUrl(request, 'Collection(microsoft.graph.importedWindowsAutopilotDeviceIdentity)'),
          accepted.map((identity) => importedShape(identity, now)),
        );
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: imports,
      write: false,
      permissions: read,
      handler: (request) => {
        const now = nowOf(request);
        const items = tenantOf(world, request)
          .autopilot.importedIdentities()
          .map((identity) => importedShape(identity, now));
        return list(request, items, 'deviceManagement/importedWindowsAutopilotDeviceIdentities');
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: `${imports}/{id}`,
      write: false,
      permissions: read,
      handler: (request) =>
        entity(
          request,
          importedShape(identityOf(request).identity, nowOf(request)),
          'deviceManagement/importedWindowsAutopilotDeviceIdentities',
        ),
    }),
    route({
      method: 'DELETE',
      surfaces: [...graph],
      pattern: `${imports}/{id}`,
      write: true,
      permissions: write,
      handler: (request) => {
        const { tenant, identity } = identityOf(request);
        tenant.autopilot.deleteImportedIdentity(identity.id);
        return noContent;
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: devices,
      write: false,
      permissions: read,
      handler: (request) => {
        const tenant = tenantOf(world, request);
        const now = nowOf(request);
        const beta = request.surface === 'graph-beta';
        const candidates = narrow(tenant.autopilotDevices(now), request, {
          id: { value: (device) => device.autopilotId, find: (id) => tenant.deviceByAutopilotId(id) },
          serialNumber: {
            value: (device) => device.serialNumber,
            find: (serial) => tenant.registeredDevice(serial),
          },
          groupTag: { value: (device) => device.groupTag ?? '' },
          enrollmentState: { value: (device) => device.enrollmentState(now) },
          azureActiveDirectoryDeviceId: {
            value: (device) => device.azureADDeviceId,
            find: (id) => tenant.deviceByAadDeviceId(id),
          },
        });
        const items = shapedList(candidates, (device) => autopilotDeviceShape(tenant, device, now, beta));
        return list(request, items, 'deviceManagement/windowsAutopilotDeviceIdentities', {
          entityType: 'microsoft.graph.windowsAutopilotDeviceIdentity',
        });
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: `${devices}/{id}`,
      write: false,
      permissions: read,
      handler: (request) => {
        const { tenant, device } = autopilotDeviceOf(request);
        const now = nowOf(request);
        const beta = request.surface === 'graph-beta';
        const expand = beta
          ? {
              deploymentProfile: () => {
                const assigned = tenant.autopilot.profileFor(device, now);
                return assigned ? profileShape(assigned.profile) : null;
              },
            }
          : undefined;
        return entity(
          request,
          autopilotDeviceShape(tenant, device, now, beta),
          'deviceManagement/windowsAutopilotDeviceIdentities',
          {
            entityType: 'microsoft.graph.windowsAutopilotDeviceIdentity',
            ...(expand ? { expand } : {}),
          },
        );
      },
    }),
    route({
      method: 'DELETE',
      surfaces: [...graph],
      pattern: `${devices}/{id}`,
      write: true,
      permissions: write,
      handler: (request) => {
        const { tenant, device } = autopilotDeviceOf(request);
        tenant.deleteAutopilotDevice(device, nowOf(request));
        return noContent;
      },
    }),
    route({
      method: 'POST',
      surfaces: ['graph-beta'],
      pattern: '/deviceManagement/windowsAutopilotSettings/sync',
      write: true,
      permissions: write,
      handler: (request) => {
        tenantOf(world, request).autopilot.sync(nowOf(request));
        return noContent;
      },
    }),
    route({
      method: 'GET',
      surfaces: ['graph-beta'],
      pattern: '/deviceManagement/windowsAutopilotSettings',
      write: false,
      permissions: read,
      handler: (request) => {
        const settings = tenantOf(world, request).autopilot.settings(nowOf(request));
        return ok({
          '@odata.context': contextUrl(request, 'deviceManagement/windowsAutopilotSettings/$entity'),
          id: settings.id,
          lastSyncDateTime: iso(settings.lastSyncDateTime) ?? intuneNever,
          lastManualSyncTriggerDateTime: iso(settings.lastManualSyncTriggerDateTime) ?? intuneNever,
          syncStatus: settings.syncStatus,
        });
      },
    }),
    route({
      method: 'GET',
      surfaces: ['graph-beta'],
      pattern: profiles,
      write: false,
      permissions: read,
      handler: (request) =>
        list(
          request,
          tenantOf(world, request).autopilot.allProfiles().map(profileShape),
          'deviceManagement/windowsAutopilotDeploymentProfiles',
        ),
    }),
    route({
      method: 'POST',
      surfaces: ['graph-beta'],
      pattern: profiles,
      write: true,
      permissions: [Permission.serviceConfigReadWrite, Permission.configurationReadWrite],
      handler: (request) => {
        const profile = tenantOf(world, request).autopilot.createProfile(
          profileSettings(objectBody(request)),
          nowOf(request),
        );
        return created({
          '@odata.context': contextUrl(
            request,
            'deviceManagement/windowsAutopilotDeploymentProfiles/$entity',
          ),
          ...profileShape(profile),
        });
      },
    }),
    route({
      method: 'GET',
      surfaces: ['graph-beta'],
      pattern: `${profiles}/{id}`,
      write: false,
      permissions: read,
      handler: (request) =>
        entity(
          request,
          profileShape(profileOf(request).profile),
          'deviceManagement/windowsAutopilotDeploymentProfiles',
        ),
    }),
    route({
      method: 'PATCH',
      surfaces: ['graph-beta'],
      pattern: `${profiles}/{id}`,
      write: true,
      permissions: [Permission.serviceConfigReadWrite, Permission.configurationReadWrite],
      handler: (request) => {
        const { tenant, profile } = profileOf(request);
        tenant.autopilot.updateProfile(
          profile,
          profileSettings(objectBody(request), profile.settings),
          nowOf(request),
        );
        return noContent;
      },
    }),
    route({
      method: 'DELETE',
      surfaces: ['graph-beta'],
      pattern: `${profiles}/{id}`,
      write: true,
      permissions: [Permission.serviceConfigReadWrite, Permission.configurationReadWrite],
      handler: (request) => {
        const { tenant, profile } = profileOf(request);
        tenant.autopilot.deleteProfile(profile);
        return noContent;
      },
    }),
    route({
      method: 'GET',
      surfaces: ['graph-beta'],
      pattern: `${profiles}/{id}/assignments`,
      write: false,
      permissions: read,
      handler: (request) => {
        const { profile } = profileOf(request);
        return list(
          request,
          profile.assignments.map((assignment) => assignmentShape(profile, assignment)),
          `deviceManagement/windowsAutopilotDeploymentProfiles('${profile.id}')/assignments`,
        );
      },
    }),
    route({
      method: 'POST',
      surfaces: ['graph-beta'],
      pattern: `${profiles}/{id}/assignments`,
      write: true,
      permissions: write,
      handler: (request) => {
        const { tenant, profile } = profileOf(request);
        const target = parseTarget(objectBody(request).target);
        // Assigning a group the profile already targets returns that assignment instead of a duplicate.
        const existing = profile.assignments.find(
          (assignment) => JSON.stringify(assignment.target) === JSON.stringify(target),
        );
        const assignment = existing ?? tenant.autopilot.addAssignment(profile, target, nowOf(request));
        return created({
          '@odata.context': contextUrl(
            request,
            `deviceManagement/windowsAutopilotDeploymentProfiles('${profile.id}')/assignments/$entity`,
          ),
          ...assignmentShape(profile, assignment),
        });
      },
    }),
    route({
      method: 'DELETE',
      surfaces: ['graph-beta'],
      pattern: `${profiles}/{id}/assignments/{assignmentId}`,
      write: true,
      permissions: write,
      handler: (request) => {
        const { tenant, profile } = profileOf(request);
        tenant.autopilot.removeAssignment(profile, request.params.assignmentId ?? '');
        return noContent;
      },
    }),
    route({
      method: 'GET',
      surfaces: ['graph-beta'],
      pattern: `${profiles}/{id}/assignedDevices`,
      write: false,
      permissions: read,
      handler: (request) => {
        const { tenant, profile } = profileOf(request);
        const now = nowOf(request);
        const assigned = tenant
          .autopilotDevices(now)
          .filter((device) => tenant.autopilot.profileFor(device, now)?.profile === profile);
        return list(
          request,
          shapedList(assigned, (device) => autopilotDeviceShape(tenant, device, now, true)),
          `deviceManagement/windowsAutopilotDeploymentProfiles('${profile.id}')/assignedDevices`,
        );
      },
    }),
  ];
}
