import { z } from 'zod';
import { updateRingSharesSchema, updateRings } from '../../domain/tenant';
import {
  type Baseline,
  factSources,
  m365Channels,
  type RuleContext,
  type RuleMode,
  ruleIds,
  ruleModes,
  type TenantComplianceSettings,
  type ThresholdOverrides,
  type Thresholds,
} from './contract';
import { complianceBaseline } from './rules';

const positive = z.number().positive().max(10_000);
const days = z.number().min(0).max(365);
const share = z.number().min(0).max(1);
const version = z.string().regex(/^\d+(\.\d+){1,3}$/, 'must be a dotted version such as 16.0.17928.0');

const thresholdOverridesSchema = z.strictObject({
  staleAfterHours: z.partialRecord(z.enum(factSources), positive).optional(),
  notReportingAfterDays: days.min(1).optional(),
  quickScanMaxAgeDays: days.min(1).optional(),
  sensorSilenceHours: positive.optional(),
  rings: z
    .partialRecord(
      z.enum(updateRings),
      z.strictObject({
        qualityDeferralDays: days.optional(),
        qualityDeadlineDays: days.optional(),
        qualityGraceDays: days.optional(),
      }),
    )
    .optional(),
  m365AppsMinimumVersion: z.partialRecord(z.enum(m365Channels), version).optional(),
  fleet: z
    .strictObject({
      bitLockerMinShare: share.optional(),
      definitionsMinShare: share.optional(),
      stopErrorFreeMinShare: share.optional(),
    })
    .optional(),
  remediation: z
    .strictObject({
      retryAfterHours: positive.optional(),
      maxAttempts: z.number().int().min(1).max(10).optional(),
    })
    .optional(),
  writeBudget: z
    .strictObject({
      intuneWritesPerWindow: z.number().int().min(1).max(1_000).optional(),
      windowMs: z.number().int().min(1_000).max(600_000).optional(),
      // Never the whole of Intune's budget: onboarding shares it.
      intuneShare: z.number().min(0).max(0.9).optional(),
      windows: z.number().int().min(1).max(1_000).optional(),
      directoryWritesPerSweep: z.number().int().min(0).max(10_000).optional(),
      defenderActionsPerSweep: z.number().int().min(0).max(1_000).optional(),
    })
    .optional(),
});

const thirdPartyProductSchema = z.strictObject({
  name: z.string().min(1).max(100),
  match: z.string().trim().min(3).max(100),
  publisher: z.string().trim().min(3).max(100).optional(),
  category: z.enum(['antivirus', 'firewall', 'endpointAgent']),
});

/** A tenant's compliance settings as operators send and the store keeps them. */
export const tenantComplianceSettingsSchema = z
  .strictObject({
    tenantId: z.string().min(1),
    updateRings: updateRingSharesSchema,
    modes: z.partialRecord(z.enum(ruleIds), z.enum(ruleModes)).default({}),
    thresholds: thresholdOverridesSchema.default({}),
    extraThirdPartyProducts: z.array(thirdPartyProductSchema).max(200).default([]),
  })
  .superRefine((settings, context) => {
    for (const [id, mode] of Object.entries(settings.modes)) {
      const rule = complianceBaseline.rules.find((r) => r.id === id);
      if (mode === 'remediate' && rule?.remediations.length === 0) {
        context.addIssue({
          code: 'custom',
          path: ['modes', id],
          message: `${id} has no remediation: choose alert or report`,
        });
      }
    }
  });

export function parseTenantComplianceSettings(input: unknown): TenantComplianceSettings {
  return tenantComplianceSettingsSchema.parse(input);
}

/** A tenant that chose nothing: every rule in its default mode, the baseline's thresholds and product list. */
export function defaultTenantComplianceSettings(
  tenantId: string,
  rings: TenantComplianceSettings['updateRings'],
): TenantComplianceSettings {
  return { tenantId, updateRings: rings, modes: {}, thresholds: {}, extraThirdPartyProducts: [] };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function merged<T>(defaults: T, overrides: unknown): T {
  if (!isPlainObject(defaults) || !isPlainObject(overrides))
    return overrides === undefined ? defaults : (overrides as T);
  const result: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(overrides)) result[key] = merged(result[key], value);
  return result as T;
}

export function mergeThresholds(defaults: Thresholds, overrides: ThresholdOverrides): Thresholds {
  return merged(defaults, overrides);
}

/** A baseline resolved for one tenant: what every device of the tenant's sweep is judged with. */
export interface ResolvedCompliance {
  baseline: Baseline;
  settings: TenantComplianceSettings;
  thresholds: Thresholds;
  /** The mode of each rule, by its index in `baseline.rules`. */
  modes: readonly RuleMode[];
  context: Omit<RuleContext, 'now'>;
}

const resolvedCache = new WeakMap<TenantComplianceSettings, ResolvedCompliance>();

/** Resolved once per settings object (a sweep judges its whole fleet with one), not once per device. */
export function resolveCompliance(
  baseline: Baseline,
  settings: TenantComplianceSettings,
): ResolvedCompliance {
  const cached = resolvedCache.get(settings);
  if (cached?.baseline === baseline) return cached;
  const thresholds = mergeThresholds(baseline.defaults, settings.thresholds);
  const extras = settings.extraThirdPartyProducts.map((p) => ({
    ...p,
    match: p.match.toLowerCase(),
    ...(p.publisher === undefined ? {} : { publisher: p.publisher.toLowerCase() }),
  }));
  const resolved: ResolvedCompliance = {
    baseline,
    settings,
    thresholds,
    modes: baseline.rules.map((rule) => settings.modes[rule.id] ?? rule.defaultMode),
    context: {
      thresholds,
      thirdPartyProducts: [...baseline.thirdPartyProducts, ...extras],
      windowsReleases: baseline.windowsReleases,
      ringShares: settings.updateRings,
      productCache: new Map(),
    },
  };
  resolvedCache.set(settings, resolved);
  return resolved;
}
