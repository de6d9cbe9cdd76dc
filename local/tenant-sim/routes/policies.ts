/**
 * Intune device configuration profiles (Windows Update for Business rings among them) and compliance
 * policies: create, list, get, update, delete, `assign`, assignments, and per-device status.
 */
import { type SimRequest, type SimRoute } from '../contract';
import { type SimDevice, type SimTenant, type SimWorld, ModelError, Permission } from '../model';
import { type IntunePolicy, type PolicyKind } from '../model/policies';
import { parseTarget } from '../model/targets';
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
  shapedList,
  tenantOf,
} from './common';

const graph = ['graph-v1.0', 'graph-beta'] as const;
const read = [Permission.configurationRead, Permission.configurationReadWrite];
const write = [Permission.configurationReadWrite];

interface PolicyArea {
  kind: PolicyKind;
  /** Collection path below the surface root. */
  path: string;
  assignmentType: string;
  statusType: string;
  /** The concrete types this collection accepts. */
  typePattern: RegExp;
}

const areas: readonly PolicyArea[] = [
  {
    kind: 'deviceConfiguration',
    path: 'deviceManagement/deviceConfigurations',
    assignmentType: '#microsoft.graph.deviceConfigurationAssignment',
    statusType: '#microsoft.graph.deviceConfigurationDeviceStatus',
    typePattern: /^#microsoft\.graph\.\w+Configuration$/,
  },
  {
    kind: 'deviceCompliancePolicy',
    path: 'deviceManagement/deviceCompliancePolicies',
    assignmentType: '#microsoft.graph.deviceCompliancePolicyAssignment',
    statusType: '#microsoft.graph.deviceComplianceDeviceStatus',
    typePattern: /^#microsoft\.graph\.\w+CompliancePolicy$/,
  },
];

/** Windows Update for Business limits Intune enforces on ring settings (days). */
const ringLimits: Record<string, [number, number]> = {
  qualityUpdatesDeferralPeriodInDays: [0, 30],
  featureUpdatesDeferralPeriodInDays: [0, 365],
  deadlineForQualityUpdatesInDays: [0, 30],
  deadlineForFeatureUpdatesInDays: [0, 30],
  deadlineGracePeriodInDays: [0, 7],
};

function checkedBody(
  area: PolicyArea,
  body: Record<string, unknown>,
  creating: boolean,
): Record<string, unknown> {
  const rawType = body['@odata.type'];
  const type = typeof rawType === 'string' ? `#${rawType.replace(/^#/, '')}` : undefined;
  if (creating && !type) throw new ModelError(400, 'BadRequest', 'Cannot create an abstract class.');
  if (type && !area.typePattern.test(type))
    throw new ModelError(400, 'BadRequest', `The type '${type}' is not a ${area.kind}.`);
  if (creating && (typeof body.displayName !== 'string' || body.displayName === '')) {
    throw new ModelError(400, 'BadRequest', "Invalid value specified for property 'displayName'.");
  }
  if (creating && area.kind === 'deviceCompliancePolicy' && !Array.isArray(body.scheduledActionsForRule)) {
    throw new ModelError(
      400,
      'BadRequest',
      'A compliance policy must be created with its scheduledActionsForRule (the block action).',
    );
  }
  for (const [name, [min, max]] of Object.entries(ringLimits)) {
    const value = body[name];
    if (
      value !== undefined &&
      (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    ) {
      throw new ModelError(
        400,
        'BadRequest',
        `Invalid value for '${name}': it must be an integer from ${min} to ${max}.`,
      );
    }
  }
  // scheduledActionsForRule is accepted on create and not kept, as Intune returns it only on expand.
  const { scheduledActionsForRule: _actions, ...kept } = body;
  return type ? { ...kept, '@odata.type': type } : kept;
}

function policyShape(policy: IntunePolicy): Record<string, unknown> {
  return {
    ...policy.body,
    '@odata.type': policy.odataType,
    id: policy.id,
    createdDateTime: iso(policy.createdAt),
    lastModifiedDateTime: iso(policy.modifiedAt),
    version: policy.version,
    displayName: policy.displayName,
    description: policy.body.description ?? null,
  };
}

function statusShape(
  area: PolicyArea,
  tenant: SimTenant,
  policy: IntunePolicy,
  device: SimDevice,
  now: number,
): Record<string, unknown> {
  const user = device.primaryUser;
  return {
    '@odata.type': area.statusType,
    id: `${device.managedDeviceId}_${policy.id}`,
    deviceDisplayName: device.deviceName,
    userName: user?.displayName ?? null,
    deviceModel: device.hardware.model,
    complianceGracePeriodExpirationDateTime: '9999-12-31T23:59:59Z',
    status: tenant.policies.deviceStatus(policy, device, now),
    lastReportedDateTime: iso(tenant.policies.lastReportedAt(policy, device, now)),
    userPrincipalName: user?.userPrincipalName ?? null,
  };
}

function areaRoutes(world: SimWorld, area: PolicyArea): SimRoute[] {
  const base = `/${area.path}`;
  const policyOf = (request: SimRequest): { tenant: SimTenant; policy: IntunePolicy } => {
    const tenant = tenantOf(world, request);
    return { tenant, policy: tenant.policies.get(area.kind, request.params.id ?? '') };
  };
  const assignmentShapes = (policy: IntunePolicy): Record<string, unknown>[] =>
    policy.assignments.map((assignment) => ({
      '@odata.type': area.assignmentType,
      id: assignment.id,
      target: assignment.target,
    }));

  return [
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: base,
      write: false,
      permissions: read,
      handler: (request) =>
        list(request, tenantOf(world, request).policies.all(area.kind).map(policyShape), area.path),
    }),
    route({
      method: 'POST',
      surfaces: [...graph],
      pattern: base,
      write: true,
      permissions: write,
      handler: (request) => {
        const policy = tenantOf(world, request).policies.create(
          area.kind,
          checkedBody(area, objectBody(request), true),
          nowOf(request),
        );
        return created({
          '@odata.context': contextUrl(request, `${area.path}/$entity`),
          ...policyShape(policy),
        });
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: `${base}/{id}`,
      write: false,
      permissions: read,
      handler: (request) => entity(request, policyShape(policyOf(request).policy), area.path),
    }),
    route({
      method: 'PATCH',
      surfaces: [...graph],
      pattern: `${base}/{id}`,
      write: true,
      permissions: write,
      handler: (request) => {
        const { tenant, policy } = policyOf(request);
        tenant.policies.update(policy, checkedBody(area, objectBody(request), false), nowOf(request));
        return noContent;
      },
    }),
    route({
      method: 'DELETE',
      surfaces: [...graph],
      pattern: `${base}/{id}`,
      write: true,
      permissions: write,
      handler: (request) => {
        const { tenant, policy } = policyOf(request);
        tenant.policies.delete(policy);
        return noContent;
      },
    }),
    route({
      method: 'POST',
      surfaces: [...graph],
      pattern: `${base}/{id}/assign`,
      write: true,
      permissions: write,
      handler: (request) => {
        const { tenant, policy } = policyOf(request);
        const assignments = objectBody(request).assignments;
        if (!Array.isArray(assignments))
          throw new ModelError(
            400,
            'BadRequest',
            "The parameter 'assignments' is missing from the request payload.",
          );
        const targets = assignments.map((assignment: unknown) =>
          parseTarget((assignment as { target?: unknown } | null)?.target),
        );
        tenant.policies.assign(policy, targets, nowOf(request));
        return ok({
          '@odata.context': contextUrl(request, `Collection(${area.assignmentType.slice(1)})`),
          value: assignmentShapes(policy),
        });
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: `${base}/{id}/assignments`,
      write: false,
      permissions: read,
      handler: (request) => {
        const { policy } = policyOf(request);
        return list(request, assignmentShapes(policy), `${area.path}('${policy.id}')/assignments`);
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: `${base}/{id}/deviceStatuses`,
      write: false,
      permissions: read,
      handler: (request) => {
        const { tenant, policy } = policyOf(request);
        const now = nowOf(request);
        const reached = tenant
          .managedDevices(now)
          .filter((device) => tenant.policies.reportsFrom(policy, device, now) !== undefined);
        return list(
          request,
          shapedList(reached, (device) => statusShape(area, tenant, policy, device, now)),
          `${area.path}('${policy.id}')/deviceStatuses`,
        );
      },
    }),
  ];
}

export function policyRoutes(world: SimWorld): SimRoute[] {
  return areas.flatMap((area) => areaRoutes(world, area));
}
