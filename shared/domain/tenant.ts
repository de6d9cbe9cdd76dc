import { z } from 'zod';

/** Windows Update for Business rings, from the earliest to receive updates to the last. */
export const updateRings = ['test', 'first', 'fast', 'broad'] as const;
export type UpdateRing = (typeof updateRings)[number];

export const tenantStatuses = ['provisioning', 'active', 'suspended'] as const;
export type TenantStatus = (typeof tenantStatuses)[number];

export const updateRingSharesSchema = z
  .object({
    test: z.number().min(0),
    first: z.number().min(0),
    fast: z.number().min(0),
    broad: z.number().min(0),
  })
  .refine((s) => Math.abs(s.test + s.first + s.fast + s.broad - 100) < 1e-9, {
    message: 'ring percentages must add up to 100',
  });
export type UpdateRingShares = z.infer<typeof updateRingSharesSchema>;

/**
 * The customer's audit sink: a blob container in a storage account of the customer's, one per tenant, which only
 * the audit delivery of the operator environment writes to (append and create, never overwrite or delete). The
 * customer grants access either with a SAS (read, add, create, list), kept in our Key Vault under `sasSecretName`,
 * or by a role assignment to the app's identity (no `sasSecretName`).
 */
export const auditSinkSchema = z.object({
  blobServiceUri: z.url(),
  container: z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'must be a blob container name'),
  sasSecretName: z.string().min(1).optional(),
});
export type AuditSinkLocation = z.infer<typeof auditSinkSchema>;

export const driftHandlings = ['remediate', 'report'] as const;
export const tenantManagementSchema = z.object({
  serviceAccountSecrets: z.record(z.string(), z.string().min(1)),
  conditionalAccess: z.enum(['reportOnly', 'enforced']).default('reportOnly'),
  driftHandling: z.record(z.string(), z.enum(driftHandlings)).default({}),
});
export type TenantManagement = z.infer<typeof tenantManagementSchema>;

/**
 * A customer tenant as the service knows it. Credentials are never stored here: `secretNames` name the Key Vault
 * secrets that hold them, checked out when a call needs them.
 */
export const tenantRecordSchema = z.object({
  id: z.string().min(1),
  displayName: z.string().min(1),
  status: z.enum(tenantStatuses),
  updateRings: updateRingSharesSchema,
  /** Country for users without one: Graph assigns licences only to users with a usage location. */
  defaultUsageLocation: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .default('US'),
  secretNames: z.object({
    graphClientId: z.string().min(1),
    graphClientSecret: z.string().min(1),
  }),
  /** Where the customer keeps its side of the audit trail; see `auditSinkSchema`. */
  auditSink: auditSinkSchema.optional(),
  /**
   * Present on tenants whose desired state (shared/provisioning/desired-state.ts) is checked and reconciled: the Key
   * Vault secret per service account, the conditional-access mode, and per drift item whether it is remediated or
   * only reported (default: ours remediated, foreign policies on our groups reported).
   */
  management: tenantManagementSchema.optional(),
});
export type TenantRecord = z.infer<typeof tenantRecordSchema>;
