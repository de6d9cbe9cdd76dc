/**
 * Tenant-wide settings: security defaults (`/policies/identitySecurityDefaultsEnforcementPolicy`), conditional
 * access policies (`/identity/conditionalAccess/policies`), the organization with its MDM authority, and Intune
 * custom compliance scripts (beta `/deviceManagement/deviceComplianceScripts`).
 */
import { type SimRequest, type SimRoute } from '../contract';
import { type SimWorld, ModelError, Permission } from '../model';
import { type ResourceCollection, type StoredResource, checkConditionalAccessBody } from '../model/identity';
import {
  contextUrl,
  created,
  entity,
  iso,
  list,
  noContent,
  nowOf,
  objectBody,
  ok,
  route,
  tenantOf,
} from './common';

const graph = ['graph-v1.0', 'graph-beta'] as const;
const readPolicies = [
  Permission.policyRead,
  Permission.policyReadWriteConditionalAccess,
  Permission.policyReadWriteSecurityDefaults,
];

interface Area {
  path: string;
  surfaces: readonly ('graph-v1.0' | 'graph-beta')[];
  collection(request: SimRequest): ResourceCollection;
  read: string[];
  write: string[];
  check(body: Record<string, unknown>, creating: boolean): void;
  shape(item: StoredResource): Record<string, unknown>;
}

function areaRoutes(area: Area): SimRoute[] {
  const base = `/${area.path}`;
  const itemOf = (request: SimRequest) => {
    const collection = area.collection(request);
    return { collection, item: collection.get(request.params.id ?? '') };
  };
  return [
    route({
      method: 'GET',
      surfaces: [...area.surfaces],
      pattern: base,
      write: false,
      permissions: area.read,
      handler: (request) =>
        list(
          request,
          area
            .collection(request)
            .all()
            .map((item) => area.shape(item)),
          area.path,
        ),
    }),
    route({
      method: 'POST',
      surfaces: [...area.surfaces],
      pattern: base,
      write: true,
      permissions: area.write,
      handler: (request) => {
        const body = objectBody(request);
        area.check(body, true);
        const item = area.collection(request).create(body, nowOf(request));
        return created({
          '@odata.context': contextUrl(request, `${area.path}/$entity`),
          ...area.shape(item),
        });
      },
    }),
    route({
      method: 'GET',
      surfaces: [...area.surfaces],
      pattern: `${base}/{id}`,
      write: false,
      permissions: area.read,
      handler: (request) => entity(request, area.shape(itemOf(request).item), area.path),
    }),
    route({
      method: 'PATCH',
      surfaces: [...area.surfaces],
      pattern: `${base}/{id}`,
      write: true,
      permissions: area.write,
      handler: (request) => {
        const { collection, item } = itemOf(request);
        const body = objectBody(request);
        area.check(body, false);
        collection.update(item, body, nowOf(request));
        return noContent;
      },
    }),
    route({
      method: 'DELETE',
      surfaces: [...area.surfaces],
      pattern: `${base}/{id}`,
      write: true,
      permissions: area.write,
      handler: (request) => {
        const { collection, item } = itemOf(request);
        collection.delete(item);
        return noContent;
      },
    }),
  ];
}

export function identityRoutes(world: SimWorld): SimRoute[] {
  const conditionalAccess: Area = {
    path: 'identity/conditionalAccess/policies',
    surfaces: graph,
    collection: (request) => tenantOf(world, request).identity.conditionalAccess,
    read: readPolicies,
    write: [Permission.policyReadWriteConditionalAccess],
    check: checkConditionalAccessBody,
    shape: (item) => ({
      '@odata.type': '#microsoft.graph.conditionalAccessPolicy',
      ...item.body,
      id: item.id,
      createdDateTime: iso(item.createdAt),
      modifiedDateTime: item.modifiedAt === item.createdAt ? null : iso(item.modifiedAt),
    }),
  };
  const scripts: Area = {
    path: 'deviceManagement/deviceComplianceScripts',
    surfaces: ['graph-beta'],
    collection: (request) => tenantOf(world, request).identity.complianceScripts,
    read: [Permission.configurationRead, Permission.configurationReadWrite],
    write: [Permission.configurationReadWrite],
    check: (body, creating) => {
      if (
        creating &&
        (typeof body.displayName !== 'string' || typeof body.detectionScriptContent !== 'string')
      )
        throw new ModelError(
          400,
          'BadRequest',
          'A compliance script needs displayName and detectionScriptContent (base64).',
        );
    },
    shape: (item) => ({
      '@odata.type': '#microsoft.graph.deviceComplianceScript',
      ...item.body,
      id: item.id,
      createdDateTime: iso(item.createdAt),
      lastModifiedDateTime: iso(item.modifiedAt),
    }),
  };
  const securityDefaults = (request: SimRequest) => {
    const identity = tenantOf(world, request).identity;
    return {
      '@odata.context': contextUrl(request, 'policies/identitySecurityDefaultsEnforcementPolicy/$entity'),
      id: '00000000-0000-0000-0000-000000000005',
      displayName: 'Security Defaults',
      description:
        'Security defaults is a set of basic identity security mechanisms recommended by Microsoft.',
      isEnabled: identity.securityDefaultsEnabled,
    };
  };
  return [
    ...areaRoutes(conditionalAccess),
    ...areaRoutes(scripts),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: '/policies/identitySecurityDefaultsEnforcementPolicy',
      write: false,
      permissions: readPolicies,
      handler: (request) => ok(securityDefaults(request)),
    }),
    route({
      method: 'PATCH',
      surfaces: [...graph],
      pattern: '/policies/identitySecurityDefaultsEnforcementPolicy',
      write: true,
      permissions: [Permission.policyReadWriteSecurityDefaults],
      handler: (request) => {
        const body = objectBody(request);
        if (typeof body.isEnabled !== 'boolean')
          throw new ModelError(400, 'BadRequest', "Invalid value specified for property 'isEnabled'.");
        tenantOf(world, request).identity.securityDefaultsEnabled = body.isEnabled;
        return noContent;
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: '/organization',
      write: false,
      permissions: [Permission.organizationRead, Permission.organizationReadWrite, Permission.directoryRead],
      handler: (request) => {
        const tenant = tenantOf(world, request);
        return list(
          request,
          [
            {
              id: tenant.id,
              displayName: tenant.displayName,
              verifiedDomains: [{ name: tenant.domain, isDefault: true, isInitial: true, type: 'Managed' }],
              mobileDeviceManagementAuthority: tenant.identity.mdmAuthority,
            },
          ],
          'organization',
        );
      },
    }),
  ];
}
