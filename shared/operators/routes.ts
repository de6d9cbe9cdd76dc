import { z } from 'zod';
import { accessRoutes } from '../access/routes';
import { type AuditAction } from '../audit/contract';
import { complianceRoutes } from '../compliance/routes';
import { auditQuerySchema } from '../audit/query';
import { deviceHealthStates } from '../domain/device-health';
import { tenantStatuses, updateRings } from '../domain/tenant';
import { failureReasons, onboardingStatusRoute, onboardingSteps } from '../onboarding/contract';
import { cadences, telemetrySources } from '../telemetry/contract';
import {
  maxDevicesPerOrder,
  orderIdSchema,
  orderedDevicesSchema,
  serialNumberSchema,
} from '../onboarding/device-order';
import { type OperatorRole, operatorRoles } from './contract';
import { pageOf, paging, tenantId, tenantParams } from './route-inputs';
import {
  ineligibilityReasons,
  operatorRecordSchema,
  operatorUpdateSchema,
  tenantScopeSchema,
} from './operator-record';
import { provisioningRoutes } from '../provisioning/routes';

/**
 * THE table of the operator API: every route under `/api/v1`, who may call it, what it takes and what it answers.
 * The registrations (functions/http/operator-api.ts), the authorization pipeline (endpoint.ts), the OpenAPI document
 * (openapi.ts) and the tests all read it; a later feature adds its routes here and nowhere else.
 *
 * Access: `anonymous` (the document and its page), `signedIn` (any valid token, eligible or not: `GET /me`), or a
 * role. Every route that is not a GET is a write: it needs `mfa` in `amr`, records an audit event, and with
 * `privileged` also the Conditional Access authentication context (`acrs`, OPERATOR_PRIVILEGED_AUTH_CONTEXT).
 * A route with a `tenantId` parameter is tenant-scoped: outside the operator's tenants it answers as an unknown
 * tenant does (404).
 */
export type Access =
  | { kind: 'anonymous' }
  | { kind: 'signedIn' }
  | { kind: 'role'; role: OperatorRole; privileged?: boolean };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

export interface RouteSpec {
  method: HttpMethod;
  /** Under `/api/v1`, in Functions route-template syntax (`tenants/{tenantId}`), which OpenAPI shares. */
  path: string;
  access: Access;
  summary: string;
  description?: string;
  tag: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** Request headers the route reads (lower-case names), validated like the rest. */
  headers?: z.ZodObject;
  body?: z.ZodType;
  success: { status: number; description: string; schema?: z.ZodType; contentType?: string };
  /** The audit action a write records. */
  audit?: AuditAction;
}

export function isWrite(spec: Pick<RouteSpec, 'method'>): boolean {
  return spec.method !== 'GET';
}

/** A route that names a tenant, in its path or (the audit trail's) query string, acts within the caller's scope. */
export function isTenantScoped(spec: Pick<RouteSpec, 'params' | 'query'>): boolean {
  return (
    (spec.params !== undefined && 'tenantId' in spec.params.shape) ||
    (spec.query !== undefined && 'tenantId' in spec.query.shape)
  );
}

// Inputs -----------------------------------------------------------------------------------------------------------

const deviceParams = z.strictObject({
  tenantId,
  serialNumber: serialNumberSchema.meta({ description: 'The device serial number.' }),
});

const idempotencyKey = z
  .string({ message: 'is required: a unique key per request, such as a UUID' })
  .regex(/^[A-Za-z0-9._:-]{8,128}$/, { message: 'must be 8 to 128 of A-Z a-z 0-9 . _ : -' })
  .meta({
    description: 'A key unique to this request; a repeat with the same key and body gets the first answer.',
  });

export const operatorOrderSchema = z.strictObject({
  /** Defaults to one derived from the Idempotency-Key. */
  orderId: orderIdSchema.optional(),
  devices: orderedDevicesSchema.meta({
    description: `1 to ${maxDevicesPerOrder} devices, no serial number twice.`,
  }),
});

// Answers ----------------------------------------------------------------------------------------------------------

const deviceCountsSchema = z.object({
  total: z.int(),
  onboarded: z.int(),
  failed: z.int(),
  healthy: z.int(),
  unhealthy: z.int(),
  unknown: z.int(),
});

const tenantSummarySchema = z.object({
  id: z.string(),
  displayName: z.string(),
  status: z.enum(tenantStatuses),
  devices: deviceCountsSchema,
});

const stepSchema = z.object({
  step: z.enum(onboardingSteps),
  outcome: z.enum(['succeeded', 'remediated', 'failed']),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  detail: z.string().optional(),
});

const onboardingRecordSchema = z.object({
  serialNumber: z.string(),
  orderId: z.string(),
  instanceId: z.string(),
  status: z.enum(['onboarded', 'failed']),
  reason: z.enum(failureReasons).optional(),
  detail: z.string().optional(),
  steps: z.array(stepSchema),
  startedAt: z.string(),
  endedAt: z.string(),
});

const deviceSchema = z.object({
  serialNumber: z.string(),
  managedDeviceId: z.string().optional(),
  azureADDeviceId: z.string().optional(),
  updateRing: z.enum(updateRings).optional(),
  onboardingStatus: z.enum(['onboarded', 'failed']),
  health: z.enum(deviceHealthStates),
  security: z.object({
    encryption: z
      .object({ encrypted: z.boolean(), tpmPresent: z.boolean(), recoveryKeyEscrowed: z.boolean() })
      .optional(),
    defender: z
      .object({
        onboarded: z.boolean(),
        active: z.boolean(),
        signaturesCurrent: z.boolean(),
        signatureVersion: z.string().optional(),
      })
      .optional(),
    licence: z.string().optional(),
  }),
  updatedAt: z.string(),
});

const deviceTelemetrySchema = z.object({
  deviceId: z.string(),
  sources: z.record(
    z.string(),
    z.array(z.object({ asOf: z.string(), reporting: z.string().optional(), data: z.unknown() })),
  ),
});

const tenantTelemetrySchema = z.object({
  tenantId: z.string(),
  residency: z.literal('US'),
  sources: z.array(
    z.object({
      source: z.enum(Object.keys(telemetrySources) as [keyof typeof telemetrySources]),
      cadence: z.enum(cadences),
      freshness: z.enum(['fresh', 'stale', 'never']),
      lastSuccessAt: z.string().nullable(),
      asOf: z.string().nullable(),
      pages: z.number().nullable(),
      rows: z.number().nullable(),
      changedRows: z.number().nullable(),
      consecutiveFailures: z.number(),
      lastError: z.string().nullable(),
    }),
  ),
});

const onboardingStatusSchema = z.object({
  tenantId: z.string(),
  serialNumber: z.string(),
  instanceId: z.string(),
  runtimeStatus: z
    .string()
    .optional()
    .meta({ description: 'Pending, Running, Completed, Failed, Terminated.' }),
  createdTime: z.string().optional(),
  lastUpdatedTime: z.string().optional(),
  step: z.string().optional().meta({ description: 'The step it is in, while it runs.' }),
  waitingFor: z.string().optional(),
  until: z.string().optional(),
  steps: z.array(stepSchema),
  outcome: z
    .object({
      status: z.enum(['onboarded', 'failed']),
      reason: z.string().optional(),
      detail: z.string().optional(),
      ring: z.string().optional(),
    })
    .optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
});

const operatorSchema = operatorRecordSchema.extend({
  eligible: z.boolean(),
  ineligibleBecause: z.array(z.enum(ineligibilityReasons)),
});

const startedOrderSchema = z.object({
  tenantId: z.string(),
  orderId: z.string(),
  devices: z.array(
    z.object({
      serialNumber: z.string(),
      instanceId: z.string(),
      statusUrl: z.string().meta({ description: 'The status route of the device (GET, Fleet.Read).' }),
    }),
  ),
});

const tenantActionSchema = z.object({ id: z.string(), status: z.enum(tenantStatuses) });

// The table --------------------------------------------------------------------------------------------------------

const fleetRead = { kind: 'role', role: 'Fleet.Read' } as const;

export const operatorRoutes = {
  me: {
    method: 'GET',
    path: 'me',
    access: { kind: 'signedIn' },
    tag: 'Operators',
    summary: 'Who the token says you are, and whether you may act',
    description:
      'Answers for any valid token, also for unregistered or ineligible operators, and says why not.',
    success: {
      status: 200,
      description: 'The caller',
      schema: z.object({
        oid: z.string(),
        name: z.string().optional(),
        roles: z.array(z.enum(operatorRoles)),
        mfa: z.boolean(),
        authenticationContexts: z.array(z.string()),
        registered: z.boolean(),
        eligible: z.boolean(),
        ineligibleBecause: z.array(z.enum(ineligibilityReasons)),
        tenants: z.array(z.object({ id: z.string(), displayName: z.string() })),
        allTenants: z.boolean(),
      }),
    },
  },
  listTenants: {
    method: 'GET',
    path: 'tenants',
    access: fleetRead,
    tag: 'Tenants',
    summary: 'Tenants in your scope, with status and device counts',
    success: {
      status: 200,
      description: 'Tenants in scope',
      schema: z.object({ tenants: z.array(tenantSummarySchema) }),
    },
  },
  getTenant: {
    method: 'GET',
    path: 'tenants/{tenantId}',
    access: fleetRead,
    tag: 'Tenants',
    summary: 'One tenant: status, rings, onboarding and health summary',
    params: tenantParams,
    success: {
      status: 200,
      description: 'The tenant',
      schema: tenantSummarySchema.extend({
        updateRings: z.object({ test: z.number(), first: z.number(), fast: z.number(), broad: z.number() }),
        onboardings: z.object({
          total: z.int(),
          onboarded: z.int(),
          failed: z.int(),
          failedBy: z.record(z.string(), z.int()),
        }),
      }),
    },
  },
  suspendTenant: {
    method: 'POST',
    path: 'tenants/{tenantId}/suspend',
    access: { kind: 'role', role: 'Tenants.Manage' },
    tag: 'Tenants',
    summary: 'Suspend a tenant: its webhooks are refused and its activities stop',
    params: tenantParams,
    audit: 'tenant.suspend',
    success: { status: 200, description: 'The tenant, suspended', schema: tenantActionSchema },
  },
  resumeTenant: {
    method: 'POST',
    path: 'tenants/{tenantId}/resume',
    access: { kind: 'role', role: 'Tenants.Manage' },
    tag: 'Tenants',
    summary: 'Resume a suspended tenant',
    params: tenantParams,
    audit: 'tenant.resume',
    success: { status: 200, description: 'The tenant, active', schema: tenantActionSchema },
  },
  listDevices: {
    method: 'GET',
    path: 'tenants/{tenantId}/devices',
    access: fleetRead,
    tag: 'Devices',
    summary: 'A tenant’s devices, filtered by health and ring, paged',
    params: tenantParams,
    query: z.strictObject({
      health: z.enum(deviceHealthStates).optional(),
      ring: z.enum(updateRings).optional(),
      ...paging,
    }),
    success: { status: 200, description: 'One page of devices', schema: pageOf(deviceSchema) },
  },
  getDevice: {
    method: 'GET',
    path: 'tenants/{tenantId}/devices/{serialNumber}',
    access: fleetRead,
    tag: 'Devices',
    summary: 'A device’s current security state and its onboarding record',
    params: deviceParams,
    success: {
      status: 200,
      description: 'The device',
      schema: deviceSchema.extend({
        onboarding: onboardingRecordSchema.optional(),
        telemetry: deviceTelemetrySchema.optional(),
      }),
    },
  },
  getTelemetry: {
    method: 'GET',
    path: 'tenants/{tenantId}/telemetry',
    access: fleetRead,
    tag: 'Telemetry',
    summary: 'Each telemetry source’s freshness in a tenant: last success, as-of time, rows, failures',
    params: tenantParams,
    success: { status: 200, description: 'The tenant’s telemetry sources', schema: tenantTelemetrySchema },
  },
  listOnboardings: {
    method: 'GET',
    path: 'tenants/{tenantId}/onboardings',
    access: fleetRead,
    tag: 'Onboarding',
    summary: 'A tenant’s onboarding records, filtered by status and reason, paged',
    params: tenantParams,
    query: z.strictObject({
      status: z.enum(['onboarded', 'failed']).optional(),
      reason: z.enum(failureReasons).optional(),
      ...paging,
    }),
    success: {
      status: 200,
      description: 'One page of onboarding records',
      schema: pageOf(onboardingRecordSchema),
    },
  },
  getOnboarding: {
    method: 'GET',
    // The route the webhook's 202 names (onboarding's contract holds it, so both take it from one place).
    path: onboardingStatusRoute.replace(/^v1\//, ''),
    access: fleetRead,
    tag: 'Onboarding',
    summary:
      'One device’s onboarding as it runs: runtime status, step, what it waits for, steps so far, outcome',
    description: 'The status route the webhook and this API hand out for each device.',
    params: deviceParams,
    success: { status: 200, description: 'The onboarding', schema: onboardingStatusSchema },
  },
  startOnboardings: {
    method: 'POST',
    path: 'tenants/{tenantId}/onboardings',
    access: { kind: 'role', role: 'Fleet.Operate' },
    tag: 'Onboarding',
    summary: `Onboard 1 to ${maxDevicesPerOrder} devices`,
    description:
      'Starts through the same queue as the Autopilot webhook. A repeat with the same Idempotency-Key and body ' +
      'answers as the first request did; the same key with another body is refused (422).',
    params: tenantParams,
    headers: z.object({ 'idempotency-key': idempotencyKey }),
    body: operatorOrderSchema,
    audit: 'onboarding.start',
    success: {
      status: 202,
      description: 'Queued; follow each device at its status route',
      schema: startedOrderSchema,
    },
  },
  listOperators: {
    method: 'GET',
    path: 'operators',
    access: { kind: 'role', role: 'Operators.Manage' },
    tag: 'Operators',
    summary: 'The operator registry',
    success: {
      status: 200,
      description: 'Every registered operator',
      schema: z.object({ operators: z.array(operatorSchema) }),
    },
  },
  putOperator: {
    method: 'PUT',
    path: 'operators/{oid}',
    access: { kind: 'role', role: 'Operators.Manage' },
    tag: 'Operators',
    summary: 'Register an operator or change their record',
    description: 'Nobody changes their own record: a second operator does.',
    params: z.strictObject({ oid: z.uuid({ message: 'must be an Entra object id (a GUID)' }) }),
    body: operatorUpdateSchema.extend({ tenants: tenantScopeSchema }),
    audit: 'operator.update',
    success: { status: 200, description: 'The record as stored (201 when new)', schema: operatorSchema },
  },
  listAudit: {
    method: 'GET',
    path: 'audit',
    access: { kind: 'role', role: 'Audit.Read' },
    tag: 'Audit',
    summary: 'The operator environment’s audit trail, filtered by tenant, actor, action and time, paged',
    description: 'An auditor scoped to some tenants names one of them in `tenantId`.',
    query: auditQuerySchema.strict(),
    success: { status: 200, description: 'One page of audit records, newest first' },
  },
  verifyAudit: {
    method: 'GET',
    path: 'audit/verify',
    access: { kind: 'role', role: 'Audit.Read' },
    tag: 'Audit',
    summary: 'Walk a tenant’s audit chain in both sinks and report the first record at fault',
    // Not only GUIDs: `operator-environment` names the chain of the operator environment's own actions.
    query: z.strictObject({
      tenantId: z.string().min(1).max(64).meta({ description: 'The tenant id of the chain.' }),
    }),
    success: { status: 200, description: 'The verification report; `ok` says whether both sinks are intact' },
  },
  ...complianceRoutes,
  ...provisioningRoutes,
  openApiDocument: {
    method: 'GET',
    path: 'openapi.json',
    access: { kind: 'anonymous' },
    tag: 'Documentation',
    summary: 'This document (OpenAPI 3.1)',
    success: { status: 200, description: 'The OpenAPI document', contentType: 'application/json' },
  },
  ...accessRoutes,
  docs: {
    method: 'GET',
    path: 'docs',
    access: { kind: 'anonymous' },
    tag: 'Documentation',
    summary: 'A readable page of this document',
    success: { status: 200, description: 'An HTML page', contentType: 'text/html' },
  },
} as const satisfies Record<string, RouteSpec>;

export type OperatorRouteName = keyof typeof operatorRoutes;

/** The function name a route registers under (letters, digits and dashes, as Azure Functions allows). */
/** The table's rows with their names, for registering one function per route. */
export function operatorRouteEntries(): [OperatorRouteName, (typeof operatorRoutes)[OperatorRouteName]][] {
  return Object.entries(operatorRoutes) as [OperatorRouteName, (typeof operatorRoutes)[OperatorRouteName]][];
}

export function functionNameOf(name: string): string {
  return `api-v1-${name}`;
}

export const apiBasePath = '/api/v1';
