import fc from 'fast-check';
import { complianceBaseline, defaultThresholds } from '../../../shared/compliance/baseline/rules';
import {
  defaultTenantComplianceSettings,
  mergeThresholds,
  parseTenantComplianceSettings,
  resolveCompliance,
  tenantComplianceSettingsSchema,
} from '../../../shared/compliance/baseline/settings';
import { isoMs } from '../../../shared/compliance/baseline/time';

const rings = { test: 0, first: 1, fast: 9, broad: 90 };

describe('tenant compliance settings', () => {
  it('fills defaults for what a tenant did not choose', () => {
    expect(parseTenantComplianceSettings({ tenantId: 't', updateRings: rings })).toEqual(
      defaultTenantComplianceSettings('t', rings),
    );
  });

  it('refuses remediate for a rule without remediation, unknown rules and thresholds, and unsafe budgets', () => {
    const problems = (input: object) =>
      tenantComplianceSettingsSchema
        .safeParse({ tenantId: 't', updateRings: rings, ...input })
        .error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(problems({ modes: { 'MDS-MON-02': 'remediate' } })).toEqual([
      'modes.MDS-MON-02: MDS-MON-02 has no remediation: choose alert or report',
    ]);
    expect(problems({ modes: { 'MDS-AV-04': 'remediate', 'MDS-ID-02': 'alert' } })).toBeUndefined();
    expect(problems({ modes: { 'MDS-XX-01': 'report' } })).toHaveLength(1);
    expect(problems({ thresholds: { quickScanDays: 3 } })).toHaveLength(1);
    expect(problems({ thresholds: { writeBudget: { intuneShare: 1 } } })).toHaveLength(1);
    expect(problems({ thresholds: { m365AppsMinimumVersion: { current: 'latest' } } })).toHaveLength(1);
    expect(
      problems({ extraThirdPartyProducts: [{ name: 'X', match: 'ab', category: 'antivirus' }] }),
    ).toHaveLength(1);
  });

  it('merges overrides into the defaults, leaf by leaf', () => {
    const merged = mergeThresholds(defaultThresholds, {
      rings: { broad: { qualityGraceDays: 4 } },
      staleAfterHours: { appInventory: 12 },
      quickScanMaxAgeDays: 3,
    });
    expect(merged.rings.broad).toEqual({
      qualityDeferralDays: 9,
      qualityDeadlineDays: 5,
      qualityGraceDays: 4,
    });
    expect(merged.rings.fast).toEqual(defaultThresholds.rings.fast);
    expect(merged.staleAfterHours).toEqual({ ...defaultThresholds.staleAfterHours, appInventory: 12 });
    expect(merged.quickScanMaxAgeDays).toBe(3);
    expect(defaultThresholds.rings.broad.qualityGraceDays).toBe(2);
  });

  it('resolves once per settings object, with the modes in baseline order and products lower-cased', () => {
    const settings = {
      ...defaultTenantComplianceSettings('t', rings),
      modes: { 'MDS-AV-01': 'report' as const },
      extraThirdPartyProducts: [
        { name: 'Contoso', match: 'Contoso AV', publisher: 'Contoso Ltd', category: 'antivirus' as const },
      ],
    };
    const resolved = resolveCompliance(complianceBaseline, settings);
    expect(resolveCompliance(complianceBaseline, settings)).toBe(resolved);
    expect(resolved.modes[0]).toBe('report');
    expect(resolved.modes.slice(1)).toEqual(
      complianceBaseline.rules.slice(1).map((rule) => rule.defaultMode),
    );
    expect(resolved.context.thirdPartyProducts.at(-1)).toMatchObject({
      match: 'contoso av',
      publisher: 'contoso ltd',
    });
  });
});

describe('isoMs', () => {
  it('property: agrees with Date.parse on the forms Graph, Defender and exports send', () => {
    const instant = fc.date({
      min: new Date('1990-01-01T00:00:00Z'),
      max: new Date('2100-01-01T00:00:00Z'),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 7 }), (date, fractionDigits) => {
        const iso = date.toISOString();
        const base = iso.slice(0, 19);
        const fraction =
          fractionDigits === 0 ? '' : `.${`${iso.slice(20, 23)}0000`.slice(0, fractionDigits)}`;
        const text = `${base}${fraction}Z`;
        expect(isoMs(text)).toBe(Date.parse(text));
        expect(isoMs(iso.slice(0, 10))).toBe(Date.parse(iso.slice(0, 10)));
      }),
      { seed: 14, numRuns: 500 },
    );
  });

  it('leaves other forms to Date.parse, and answers NaN for what does not parse', () => {
    expect(isoMs('2026-12-01T08:00:00+01:00')).toBe(Date.parse('2026-12-01T07:00:00Z'));
    expect(isoMs('2026-12-01T08:00Z')).toBe(Date.parse('2026-12-01T08:00:00Z'));
    expect(isoMs('yesterday')).toBeNaN();
    expect(isoMs('2026-13-01')).toBeNaN();
    expect(isoMs('2026-12-01T08:00:00.12a4Z')).toBeNaN();
  });
});
