import { z } from 'zod';

/** The country operators must be located in (the requirements: operators are located in the US). */
export const operatorCountry = 'US';

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

/** An ISO 3166-1 alpha-2 country code that names a region (`XX` or `ZZ` do not). */
export const countryCode = z
  .string()
  // One check, so a bad code is reported once (zod runs refinements after a failed regex, and Intl throws on
  // strings that are not region codes at all).
  .refine(
    (code) => /^[A-Z]{2}$/.test(code) && !['ZZ', 'XX'].includes(code) && regionNames.of(code) !== undefined,
    { message: 'must be an ISO 3166-1 alpha-2 country code such as US' },
  )
  .meta({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 country code' });

const objectId = z.uuid({ message: 'must be an Entra object id (a GUID)' });
const tenantId = z.uuid({ message: 'must be a tenant id (a GUID)' });

/** Background checks are periodic: a date further ahead than this is a typo, not a check. */
const maxCheckValidityYears = 5;

export const tenantScopeSchema = z.union([
  z.literal('all'),
  z
    .array(tenantId)
    .max(1000)
    .refine((ids) => new Set(ids.map((id) => id.toLowerCase())).size === ids.length, {
      message: 'lists a tenant twice',
    }),
]);
export type TenantScope = z.infer<typeof tenantScopeSchema>;

/** What `PUT /api/v1/operators/{oid}` takes: everything but the key and the bookkeeping. */
export const operatorUpdateSchema = z.strictObject({
  displayName: z.string().trim().min(1).max(256),
  /** Where the operator is located. */
  country: countryCode,
  /** The last day the operator's background and security check is valid (ISO 8601 date). */
  backgroundCheckExpiresOn: z.iso.date({ message: 'must be a date (YYYY-MM-DD)' }).refine(
    (date) => {
      const limit = new Date();
      limit.setUTCFullYear(limit.getUTCFullYear() + maxCheckValidityYears);
      return Date.parse(`${date}T00:00:00Z`) <= limit.getTime();
    },
    { message: `must be within ${maxCheckValidityYears} years from today` },
  ),
  /** The customer tenants the operator may act on, or `all`. */
  tenants: tenantScopeSchema,
  enabled: z.boolean(),
});
export type OperatorUpdate = z.infer<typeof operatorUpdateSchema>;

export const operatorRecordSchema = z.object({
  ...operatorUpdateSchema.shape,
  /** The Entra object id. */
  id: objectId,
  /** Stored upper- or lower-case as given; compared case-insensitively. */
  tenants: z.union([z.literal('all'), z.array(tenantId)]),
  backgroundCheckExpiresOn: z.iso.date(),
  updatedAt: z.iso.datetime(),
  /** The object id of the operator who wrote this record (or `seed` for the local stack). */
  updatedBy: z.string().min(1),
});
export type OperatorRecord = z.infer<typeof operatorRecordSchema>;

export const ineligibilityReasons = [
  'notRegistered',
  'disabled',
  'outsideUnitedStates',
  'backgroundCheckLapsed',
] as const;
export type IneligibilityReason = (typeof ineligibilityReasons)[number];

/**
 * Whether a registered person may act as an operator today: enabled, located in the US, with a background check
 * valid through today (UTC). Every reason that holds is listed, so that `GET /me` says all that is wrong at once.
 */
export function ineligibility(record: OperatorRecord | undefined, now: Date): IneligibilityReason[] {
  if (!record) return ['notRegistered'];
  const reasons: IneligibilityReason[] = [];
  if (!record.enabled) reasons.push('disabled');
  if (record.country !== operatorCountry) reasons.push('outsideUnitedStates');
  if (record.backgroundCheckExpiresOn < now.toISOString().slice(0, 10)) reasons.push('backgroundCheckLapsed');
  return reasons;
}

/** Whether `tenantId` is in the operator's scope; ids compare case-insensitively, as GUIDs do. */
export function inScope(scope: TenantScope, tenantId: string): boolean {
  if (scope === 'all') return true;
  const wanted = tenantId.toLowerCase();
  return scope.some((id) => id.toLowerCase() === wanted);
}
