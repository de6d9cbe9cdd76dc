import { z } from 'zod';
import { type AuditEvent, auditActions, auditOutcomes } from './contract';

/**
 * Ids become Cosmos document ids, blob names and Service Bus message ids: letters, digits and `._:-` only.
 */
export const auditEventIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/**
 * Fields that must not carry personal data are refused when they look like a UPN or a mail address: the one slip
 * (a UPN put into `target.id` or `reason`) a declaration cannot catch by itself.
 */
const impersonal = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !value.includes('@'), {
      message: 'must not carry personal data (put it in target.customerPersonal)',
    });

const personal = z.string().min(1).max(256);

/** Strict objects: a field the contract does not declare is refused, so it cannot travel unprojected. */
export const auditEventSchema = z.strictObject({
  id: z.string().regex(auditEventIdPattern),
  action: z.enum(auditActions),
  actor: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('operator'), oid: personal, displayName: personal.optional() }),
    z.strictObject({
      kind: z.literal('service'),
      functionName: impersonal(128),
      instanceId: impersonal(256).optional(),
    }),
  ]),
  tenantId: impersonal(64).optional(),
  target: z.strictObject({
    type: z.enum(['tenant', 'device', 'user', 'operator', 'onboarding', 'credential']),
    id: impersonal(256),
    customerPersonal: z
      .strictObject({
        userPrincipalName: personal.optional(),
        userDisplayName: personal.optional(),
        deviceName: personal.optional(),
      })
      .optional(),
  }),
  outcome: z.enum(auditOutcomes),
  reason: impersonal(500).optional(),
  correlation: z.strictObject({
    invocationId: impersonal(128).optional(),
    instanceId: impersonal(256).optional(),
  }),
  time: z.iso.datetime({ offset: true }),
}) satisfies z.ZodType<AuditEvent>;
