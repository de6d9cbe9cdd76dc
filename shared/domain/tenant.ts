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
});
export type TenantRecord = z.infer<typeof tenantRecordSchema>;
