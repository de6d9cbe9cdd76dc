import { z } from 'zod';
import { auditSinkSchema, driftHandlings, tenantStatuses, updateRingSharesSchema } from '../domain/tenant';
import { pageOf, paging, tenantId, tenantParams } from '../operators/route-inputs';
import { type RouteSpec } from '../operators/routes';
import { desiredAccounts, desiredComplianceScript, desiredGroups, desiredPolicies } from './desired-state';
import { deviationKinds, driftStatuses, readinessVerdicts } from './store';

/**
 * Provisioning's rows of the operator route table (spread into `operatorRoutes`): registration through readiness
 * to active, the last assessment, drift and its handling, and reconcile on demand.
 */

const manage = { kind: 'role', role: 'Tenants.Manage' } as const;
const fleetRead = { kind: 'role', role: 'Fleet.Read' } as const;

const driftId = z
  .string()
  .regex(/^[A-Za-z0-9:_-]{1,200}$/, { message: 'must be a drift record id' })
  .meta({ description: 'The drift record id (from the drift list).' });

/** Items a tenant may set the handling of: every desired item (and its parts), foreign policies, or a whole kind. */
const desiredItems = new Set<string>([
  ...desiredGroups.map((g) => g.key),
  ...desiredAccounts.flatMap((a) => [a.key, `${a.key}:licence`, `${a.key}:membership`]),
  ...desiredPolicies.flatMap((p) => [p.key, `${p.key}:assignment`]),
  desiredComplianceScript.key,
  'ca:require-compliant-device',
]);
export const driftHandlingKey = z
  .string()
  .refine(
    (key) =>
      desiredItems.has(key) ||
      /^foreign:[A-Za-z0-9-]{1,64}$/.test(key) ||
      (deviationKinds as readonly string[]).includes(key.replace(/^kind:/, '')),
    { message: 'must be a desired item (e.g. policy:ring-broad), foreign:<policy id>, or kind:<kind>' },
  );

export const registrationSchema = z.strictObject({
  tenantId,
  displayName: z.string().min(1).max(256),
  clientId: z.uuid({ message: 'must be the application (client) id of the tenant’s app registration' }),
  clientSecret: z
    .string()
    .min(16)
    .max(1024)
    .meta({ description: 'Goes straight to Key Vault; never stored or answered anywhere else.' }),
  updateRings: updateRingSharesSchema.optional(),
  auditSink: auditSinkSchema
    .omit({ sasSecretName: true })
    .extend({ sas: z.string().min(1).max(2048).optional() })
    .strict()
    .optional(),
  conditionalAccess: z
    .enum(['reportOnly', 'enforced'])
    .optional()
    .meta({ description: 'The compliant-device policy: report-only (default) unless the tenant opts in.' }),
});

const instanceSchema = z.object({
  instanceId: z.string(),
  runtimeStatus: z.string(),
  createdTime: z.string(),
  lastUpdatedTime: z.string(),
  customStatus: z.unknown().optional(),
  output: z.unknown().optional(),
});

const startedSchema = z.object({
  tenantId: z.string(),
  instanceId: z.string(),
  result: z.enum(['started', 'exists']),
  tenantStatus: z.enum(tenantStatuses),
  statusUrl: z.string().meta({ description: 'GET it (Fleet.Read) to follow the work.' }),
});

const readinessSchema = z.object({
  verdict: z.enum(readinessVerdicts),
  assessedAt: z.string(),
  checks: z.array(
    z.object({
      check: z.string(),
      verdict: z.enum(readinessVerdicts),
      detail: z.string(),
      fix: z.string().optional().meta({ description: 'What to fix, when not ready.' }),
    }),
  ),
});

const driftRecordSchema = z.object({
  id: z.string(),
  item: z.string(),
  kind: z.enum(deviationKinds),
  changedFields: z.array(z.string()).optional(),
  detail: z.string(),
  status: z.enum(driftStatuses),
  handling: z.enum(driftHandlings),
  firstSeen: z.string(),
  lastSeen: z.string(),
  remediatedAt: z.string().optional(),
  accepted: z.object({ by: z.string(), at: z.string(), reason: z.string() }).optional(),
});

const driftPolicySchema = z.strictObject({
  handling: z
    .record(driftHandlingKey, z.enum(driftHandlings))
    .meta({ description: 'Per item or `kind:<missing|changed|unexpected>`: remediate, or only report.' }),
  conditionalAccess: z.enum(['reportOnly', 'enforced']).optional(),
});

export const provisioningRoutes = {
  registerTenant: {
    method: 'POST',
    path: 'tenants',
    access: manage,
    tag: 'Provisioning',
    summary: 'Register a tenant: readiness, then the desired state, then active',
    description:
      'Stores the credential in Key Vault and the tenant as provisioning, then starts its provisioning ' +
      '(one instance per tenant). A tenant that is not ready is held with its assessment and nothing written; ' +
      'registering it again once fixed assesses it again. A repeat while it runs, or once active, changes nothing.',
    body: registrationSchema,
    audit: 'tenant.register',
    success: { status: 202, description: 'Under way; follow it at `statusUrl`', schema: startedSchema },
  },
  getProvisioning: {
    method: 'GET',
    path: 'tenants/{tenantId}/provisioning',
    access: fleetRead,
    tag: 'Provisioning',
    summary: 'A tenant’s provisioning and last on-demand reconcile as they run',
    params: tenantParams,
    success: {
      status: 200,
      description: 'The durable work of the tenant',
      schema: z.object({
        tenantId: z.string(),
        status: z.enum(tenantStatuses),
        readiness: z.enum(readinessVerdicts).optional(),
        provisioning: instanceSchema.optional(),
        reconcile: instanceSchema.optional(),
      }),
    },
  },
  getReadiness: {
    method: 'GET',
    path: 'tenants/{tenantId}/readiness',
    access: fleetRead,
    tag: 'Provisioning',
    summary:
      'The last readiness assessment: each check Ready, Advisory, Not ready or Error, with what to fix',
    params: tenantParams,
    success: { status: 200, description: 'The assessment', schema: readinessSchema },
  },
  listDrift: {
    method: 'GET',
    path: 'tenants/{tenantId}/drift',
    access: fleetRead,
    tag: 'Provisioning',
    summary: 'Deviations from the desired state, filtered by status and kind, paged',
    params: tenantParams,
    query: z.strictObject({
      status: z.enum(driftStatuses).optional(),
      kind: z.enum(deviationKinds).optional(),
      ...paging,
    }),
    success: { status: 200, description: 'One page of drift records', schema: pageOf(driftRecordSchema) },
  },
  acceptDrift: {
    method: 'POST',
    path: 'tenants/{tenantId}/drift/{driftId}/accept',
    access: manage,
    tag: 'Provisioning',
    summary: 'Accept a deviation: it is reported, never remediated again',
    params: z.strictObject({ tenantId, driftId }),
    body: z.strictObject({
      reason: z.string().trim().min(3).max(500).meta({ description: 'Why it is accepted.' }),
    }),
    audit: 'drift.accept',
    success: { status: 200, description: 'The record, accepted', schema: driftRecordSchema },
  },
  getDriftPolicy: {
    method: 'GET',
    path: 'tenants/{tenantId}/drift-policy',
    access: fleetRead,
    tag: 'Provisioning',
    summary: 'Which drift the tenant has remediated and which only reported',
    params: tenantParams,
    success: { status: 200, description: 'The policy', schema: driftPolicySchema },
  },
  putDriftPolicy: {
    method: 'PUT',
    path: 'tenants/{tenantId}/drift-policy',
    access: manage,
    tag: 'Provisioning',
    summary: 'Choose per item or kind whether drift is remediated or only reported',
    description:
      'Replaces the tenant’s choices. An item’s choice wins over its kind’s; without either, the service’s own ' +
      'items are remediated and foreign policies on its groups reported. Missing groups are always restored.',
    params: tenantParams,
    body: driftPolicySchema,
    audit: 'drift.policy',
    success: { status: 200, description: 'The policy as stored', schema: driftPolicySchema },
  },
  reconcileTenant: {
    method: 'POST',
    path: 'tenants/{tenantId}/reconcile',
    access: manage,
    tag: 'Provisioning',
    summary: 'Reconcile an active tenant now',
    description: 'One on-demand reconcile per tenant at a time: a repeat while it runs gets that one.',
    params: tenantParams,
    audit: 'tenant.reconcile',
    success: { status: 202, description: 'Under way; follow it at `statusUrl`', schema: startedSchema },
  },
} as const satisfies Record<string, RouteSpec>;
