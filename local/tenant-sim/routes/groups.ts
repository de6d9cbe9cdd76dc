/**
 * Entra ID groups with their members (`$ref` add and remove) and device objects: update rings and profile
 * targets are groups of device objects.
 */
import { type SimRequest, type SimRoute } from '../contract';
import { type SimDevice, type SimTenant, type SimWorld, ModelError, Permission, SimUser } from '../model';
import { type DirectoryMember, type GroupInput, type SimGroup } from '../model/directory';
import {
  created,
  entity,
  iso,
  list,
  narrow,
  noContent,
  nowOf,
  objectBody,
  optionalString,
  route,
  shapedList,
  tenantOf,
} from './common';
import { userShape } from './users';

const graph = ['graph-v1.0', 'graph-beta'] as const;
const readGroups = [
  Permission.groupRead,
  Permission.groupReadWrite,
  Permission.directoryRead,
  Permission.directoryReadWrite,
];
const writeGroups = [Permission.groupReadWrite, Permission.directoryReadWrite];
const readMembers = [Permission.groupMemberRead, Permission.groupMemberReadWrite, ...readGroups];
const writeMembers = [Permission.groupMemberReadWrite, ...writeGroups];

function groupShape(group: SimGroup): Record<string, unknown> {
  const settings = group.settings;
  return {
    id: group.id,
    deletedDateTime: null,
    classification: null,
    createdDateTime: iso(group.createdAt),
    description: settings.description,
    displayName: settings.displayName,
    groupTypes: [...settings.groupTypes],
    mail: null,
    mailEnabled: settings.mailEnabled,
    mailNickname: settings.mailNickname,
    membershipRule: null,
    membershipRuleProcessingState: null,
    securityEnabled: settings.securityEnabled,
    visibility: null,
  };
}

export function directoryDeviceShape(
  tenant: SimTenant,
  device: SimDevice,
  now: number,
): Record<string, unknown> {
  const enrolled = device.isEnrolled(now);
  return {
    id: device.directoryObjectId,
    accountEnabled: true,
    approximateLastSignInDateTime: enrolled ? iso(device.lastSyncAt(now)) : null,
    deviceId: device.azureADDeviceId,
    displayName: enrolled ? device.deviceName : device.serialNumber,
    isCompliant: enrolled ? tenant.complianceState(device, now) === 'compliant' : null,
    isManaged: enrolled,
    manufacturer: device.hardware.manufacturer,
    model: device.hardware.model,
    operatingSystem: 'Windows',
    operatingSystemVersion: device.osVersion,
    physicalIds: [
      `[ZTDID]:${device.autopilotId}`,
      ...(device.groupTag ? [`[OrderId]:${device.groupTag}`] : []),
    ],
    profileType: 'RegisteredDevice',
    registrationDateTime: iso(device.registeredAt),
    trustType: 'AzureAd',
    enrollmentType: enrolled ? 'AzureDomainJoined' : null,
    mdmAppId: enrolled ? '0000000a-0000-0000-c000-000000000000' : null,
  };
}

function memberShape(tenant: SimTenant, member: DirectoryMember, now: number): Record<string, unknown> {
  return member instanceof SimUser
    ? { '@odata.type': '#microsoft.graph.user', ...userShape(member) }
    : { '@odata.type': '#microsoft.graph.device', ...directoryDeviceShape(tenant, member, now) };
}

function groupInput(body: Record<string, unknown>): GroupInput {
  const invalid = (name: string): ModelError =>
    new ModelError(
      400,
      'Request_BadRequest',
      `Invalid value specified for property '${name}' of resource 'Group'.`,
    );
  const displayName = optionalString(body, 'displayName');
  const mailNickname = optionalString(body, 'mailNickname');
  if (!displayName) throw invalid('displayName');
  if (!mailNickname) throw invalid('mailNickname');
  if (typeof body.mailEnabled !== 'boolean') throw invalid('mailEnabled');
  if (typeof body.securityEnabled !== 'boolean') throw invalid('securityEnabled');
  const groupTypes = body.groupTypes ?? [];
  if (!Array.isArray(groupTypes)) throw invalid('groupTypes');
  return {
    displayName,
    mailNickname,
    mailEnabled: body.mailEnabled,
    securityEnabled: body.securityEnabled,
    description: optionalString(body, 'description'),
    groupTypes: groupTypes.map(String),
  };
}

/** The object id in an `@odata.id` reference such as `https://graph.microsoft.com/v1.0/directoryObjects/{id}`. */
function referencedId(body: Record<string, unknown>): string {
  const reference = body['@odata.id'];
  const match =
    typeof reference === 'string'
      ? /\/(?:directoryObjects|users|devices|groups)(?:\/|\(')([0-9a-f-]{36})(?:'\))?\/?$/i.exec(reference)
      : null;
  if (!match)
    throw new ModelError(400, 'Request_BadRequest', `Invalid object identifier '${String(reference)}'.`);
  return (match[1] as string).toLowerCase();
}

export function groupRoutes(world: SimWorld): SimRoute[] {
  const groupOf = (request: SimRequest): { tenant: SimTenant; group: SimGroup } => {
    const tenant = tenantOf(world, request);
    return { tenant, group: tenant.directory.requireGroup(request.params.id ?? '') };
  };
  return [
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: '/groups',
      write: false,
      permissions: readGroups,
      handler: (request) =>
        list(request, tenantOf(world, request).directory.allGroups().map(groupShape), 'groups', {
          entityType: 'microsoft.graph.group',
        }),
    }),
    route({
      method: 'POST',
      surfaces: [...graph],
      pattern: '/groups',
      write: true,
      permissions: writeGroups,
      handler: (request) => {
        const group = tenantOf(world, request).directory.addGroup(
          groupInput(objectBody(request)),
          nowOf(request),
        );
        return created({
          '@odata.context': `${request.baseUrl}/$metadata#groups/$entity`,
          ...groupShape(group),
        });
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: '/groups/{id}',
      write: false,
      permissions: readGroups,
      handler: (request) => entity(request, groupShape(groupOf(request).group), 'groups'),
    }),
    route({
      // Graph's way to add many members at once: `members@odata.bind`, at most 20 references a request. The
      // request is applied whole or not at all: one reference already a member refuses it with the same 400 as
      // `$ref`, one unknown reference with 404. Other group properties are not patchable here.
      method: 'PATCH',
      surfaces: [...graph],
      pattern: '/groups/{id}',
      write: true,
      permissions: writeMembers,
      handler: (request) => {
        const { tenant, group } = groupOf(request);
        const body = objectBody(request);
        const unsupported = Object.keys(body).filter((key) => key !== 'members@odata.bind');
        if (unsupported.length > 0)
          throw new ModelError(
            400,
            'Request_BadRequest',
            `Property '${unsupported[0]}' is not supported here.`,
          );
        const references = body['members@odata.bind'];
        if (!Array.isArray(references) || references.length === 0)
          throw new ModelError(
            400,
            'Request_BadRequest',
            "Invalid value specified for property 'members@odata.bind'.",
          );
        if (references.length > 20)
          throw new ModelError(
            400,
            'Request_BadRequest',
            'The request exceeds the maximum of 20 objects that can be added in one request.',
          );
        const now = nowOf(request);
        const ids = references.map((reference: unknown) => referencedId({ '@odata.id': reference }));
        for (const memberId of ids) {
          const member = tenant.directory.directoryObject(memberId);
          if (!member || (!(member instanceof SimUser) && !member.isRegistered(now)))
            throw new ModelError(
              404,
              'Request_ResourceNotFound',
              `Resource '${memberId}' does not exist or one of its queried reference-property objects are not present.`,
            );
          if (group.members.has(member) || ids.indexOf(memberId) !== ids.lastIndexOf(memberId))
            throw new ModelError(
              400,
              'Request_BadRequest',
              "One or more added object references already exist for the following modified properties: 'members'.",
            );
        }
        for (const memberId of ids) tenant.directory.addMember(group, memberId);
        return noContent;
      },
    }),
    route({
      method: 'DELETE',
      surfaces: [...graph],
      pattern: '/groups/{id}',
      write: true,
      permissions: writeGroups,
      handler: (request) => {
        const { tenant, group } = groupOf(request);
        tenant.directory.deleteGroup(group);
        return noContent;
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: '/groups/{id}/members',
      write: false,
      permissions: readMembers,
      handler: (request) => {
        const { tenant, group } = groupOf(request);
        const now = nowOf(request);
        return list(
          request,
          shapedList([...group.members], (member) => memberShape(tenant, member, now)),
          'directoryObjects',
        );
      },
    }),
    route({
      method: 'POST',
      surfaces: [...graph],
      pattern: '/groups/{id}/members/$ref',
      write: true,
      permissions: writeMembers,
      handler: (request) => {
        const { tenant, group } = groupOf(request);
        const memberId = referencedId(objectBody(request));
        const member = tenant.directory.directoryObject(memberId);
        // A device object exists only once its Autopilot registration completed.
        if (member && !(member instanceof SimUser) && !member.isRegistered(nowOf(request))) {
          throw new ModelError(
            404,
            'Request_ResourceNotFound',
            `Resource '${memberId}' does not exist or one of its queried reference-property objects are not present.`,
          );
        }
        tenant.directory.addMember(group, memberId);
        return noContent;
      },
    }),
    route({
      method: 'DELETE',
      surfaces: [...graph],
      pattern: '/groups/{id}/members/{memberId}/$ref',
      write: true,
      permissions: writeMembers,
      handler: (request) => {
        const { tenant, group } = groupOf(request);
        tenant.directory.removeMember(group, request.params.memberId ?? '');
        return noContent;
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: '/devices',
      write: false,
      permissions: [Permission.deviceRead, Permission.directoryRead, Permission.directoryReadWrite],
      handler: (request) => {
        const tenant = tenantOf(world, request);
        const now = nowOf(request);
        const candidates = narrow(tenant.directoryDevices(now), request, {
          id: {
            value: (device) => device.directoryObjectId,
            find: (id) => tenant.deviceByDirectoryObjectId(id),
          },
          deviceId: {
            value: (device) => device.azureADDeviceId,
            find: (id) => tenant.deviceByAadDeviceId(id),
          },
        });
        return list(
          request,
          shapedList(candidates, (device) => directoryDeviceShape(tenant, device, now)),
          'devices',
          { entityType: 'microsoft.graph.device' },
        );
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: '/devices/{id}',
      write: false,
      permissions: [Permission.deviceRead, Permission.directoryRead, Permission.directoryReadWrite],
      handler: (request) => {
        const tenant = tenantOf(world, request);
        const now = nowOf(request);
        const id = request.params.id ?? '';
        const device = tenant.deviceByDirectoryObjectId(id);
        if (!device || !device.isRegistered(now)) {
          throw new ModelError(
            404,
            'Request_ResourceNotFound',
            `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
          );
        }
        return entity(request, directoryDeviceShape(tenant, device, now), 'devices');
      },
    }),
  ];
}
