import fc from 'fast-check';
import { type DeviceFacts, factSources, type RuleId } from '../../../shared/compliance/baseline/contract';
import { evaluateDevice, evaluateFleet } from '../../../shared/compliance/baseline/evaluate';
import { complianceBaseline } from '../../../shared/compliance/baseline/rules';
import { defaultTenantComplianceSettings } from '../../../shared/compliance/baseline/settings';
import { healthyDeviceFacts, mixedFleet } from '../../../local/dev/compliance-fleet';

const now = Date.parse('2026-12-01T08:00:00Z');
const dayMs = 86_400_000;
const tenantId = 'tenant-a';
const shares = { test: 0, first: 1, fast: 9, broad: 90 };
const settings = defaultTenantComplianceSettings(tenantId, shares);

function device(index: number, change: (facts: DeviceFacts) => void = () => undefined): DeviceFacts {
  const facts = healthyDeviceFacts(tenantId, index, now);
  change(facts);
  return facts;
}

/** One failure per rule, each on a device otherwise healthy. */
const failures: Record<Exclude<RuleId, 'MDS-MGMT-02'>, (facts: DeviceFacts) => void> = {
  'MDS-AV-01': (f) => (f.protectionState!.malwareProtectionEnabled = false),
  'MDS-AV-02': (f) => (f.protectionState!.realTimeProtectionEnabled = false),
  'MDS-AV-03': (f) => (f.protectionState!.tamperProtectionEnabled = false),
  'MDS-AV-04': (f) => (f.protectionState!.signatureUpdateOverdue = true),
  'MDS-AV-05': (f) => delete f.protectionState!.lastQuickScanDateTime,
  'MDS-ENC-01': (f) => (f.managedDevice!.tpm = { present: false }),
  'MDS-ENC-02': (f) => (f.bitLockerKeys!.keys = []),
  'MDS-MON-01': (f) => (f.defender!.machine!.onboardingStatus = 'InsufficientInfo'),
  'MDS-MON-02': (f) => (f.defender!.machine!.healthStatus = 'Inactive'),
  'MDS-MON-03': (f) => (f.defender!.machine!.lastSeen = new Date(now - 5 * dayMs).toISOString()),
  'MDS-UPD-01': (f) =>
    (f.qualityUpdate = { ...f.qualityUpdate!, status: 'failed', missingReleaseDate: '2026-11-01' }),
  'MDS-UPD-02': (f) => (f.managedDevice!.osVersion = '10.0.19045.5247'),
  'MDS-UPD-03': (f) => (f.m365Apps!.version = '16.0.16130.20000'),
  'MDS-REC-01': (f) => (f.knownFolders!.documents = false),
  'MDS-ID-01': (f) => (f.autopilotProfile!.userType = 'administrator'),
  'MDS-ID-02': (f) => (f.windowsHello!.provisioned = false),
  'MDS-3P-01': (f) =>
    (f.appInventory!.apps = [{ name: 'Sophos Endpoint Agent', publisher: 'Sophos Limited' }]),
  'MDS-MGMT-01': (f) => (f.ringMembership!.rings = []),
};
const failingRules = Object.keys(failures) as (keyof typeof failures)[];

describe('evaluateDevice', () => {
  it('a device not checked in for more than 7 days is notReporting, judged by the check-in alone', () => {
    const verdict = evaluateDevice(
      device(1, (f) => {
        f.managedDevice!.lastSyncDateTime = new Date(now - 7 * dayMs - 1).toISOString();
        f.protectionState!.signatureUpdateOverdue = true;
        f.managedDevice!.complianceState = 'compliant';
      }),
      complianceBaseline,
      settings,
      now,
    );
    expect(verdict).toMatchObject({ health: 'notReporting', failing: [], caMismatch: false });
    expect(verdict.results).toEqual([expect.objectContaining({ ruleId: 'MDS-MGMT-02', outcome: 'fail' })]);
  });

  it('exactly 7 days is still reporting; never checked in is notReporting', () => {
    const edge = device(
      1,
      (f) => (f.managedDevice!.lastSyncDateTime = new Date(now - 7 * dayMs).toISOString()),
    );
    expect(evaluateDevice(edge, complianceBaseline, settings, now).health).toBe('healthy');
    const never = device(2, (f) => delete f.managedDevice!.lastSyncDateTime);
    const verdict = evaluateDevice(never, complianceBaseline, settings, now);
    expect(verdict.health).toBe('notReporting');
    expect(verdict.results[0]?.detail).toBe('never checked in');
  });

  it('Intune compliant while we find the device unhealthy is a caMismatch; noncompliant is not', () => {
    const failing = (state: 'compliant' | 'noncompliant') =>
      device(3, (f) => {
        f.bitLockerKeys!.keys = [];
        f.managedDevice!.complianceState = state;
      });
    expect(evaluateDevice(failing('compliant'), complianceBaseline, settings, now)).toMatchObject({
      health: 'unhealthy',
      failing: ['MDS-ENC-02'],
      caMismatch: true,
    });
    expect(evaluateDevice(failing('noncompliant'), complianceBaseline, settings, now).caMismatch).toBe(false);
    expect(evaluateDevice(device(4), complianceBaseline, settings, now).caMismatch).toBe(false);
  });

  it("applies the tenant's modes, thresholds and extra products", () => {
    const tenant = {
      ...settings,
      modes: { 'MDS-AV-04': 'report', 'MDS-3P-01': 'report' } as const,
      thresholds: { quickScanMaxAgeDays: 3, staleAfterHours: { protectionState: 1 } },
      extraThirdPartyProducts: [
        { name: 'Contoso Shield', match: 'Contoso Shield', category: 'antivirus' as const },
      ],
    };
    const facts = device(5, (f) => {
      f.protectionState!.lastQuickScanDateTime = new Date(now - 4 * dayMs).toISOString();
      f.appInventory!.apps = [{ name: 'CONTOSO SHIELD Agent' }];
    });
    const verdict = evaluateDevice(facts, complianceBaseline, tenant, now);
    const byId = new Map(verdict.results.map((r) => [r.ruleId, r]));
    expect(byId.get('MDS-AV-04')).toMatchObject({ mode: 'report', outcome: 'pass' });
    expect(byId.get('MDS-AV-05')).toMatchObject({ mode: 'remediate', outcome: 'fail' });
    expect(byId.get('MDS-3P-01')).toMatchObject({ outcome: 'fail', products: ['Contoso Shield'] });
    // The protection state is an hour old: stale under the tenant's 1 h.
    const stale = evaluateDevice(
      device(5, (f) => (f.protectionState!.asOf = new Date(now - 2 * 3_600_000).toISOString())),
      complianceBaseline,
      tenant,
      now,
    );
    expect(stale.results.find((r) => r.ruleId === 'MDS-AV-01')).toMatchObject({ outcome: 'unknown' });
  });

  it('property: any set of injected failures fails exactly those rules, and health follows', () => {
    fc.assert(
      fc.property(fc.subarray(failingRules), fc.nat(10_000), (injected, index) => {
        const facts = device(index, (f) => injected.forEach((rule) => failures[rule](f)));
        const verdict = evaluateDevice(facts, complianceBaseline, settings, now);
        // Not onboarded makes the health rules not applicable rather than failing: they depend on MON-01.
        const expected = complianceBaseline.rules
          .map((r) => r.id)
          .filter((id) => injected.includes(id as never))
          .filter((id) => !(injected.includes('MDS-MON-01') && (id === 'MDS-MON-02' || id === 'MDS-MON-03')));
        expect(verdict.failing).toEqual(expected);
        expect(verdict.health).toBe(expected.length > 0 ? 'unhealthy' : 'healthy');
        expect(verdict.caMismatch).toBe(expected.length > 0);
      }),
      { seed: 14, numRuns: 300 },
    );
  });

  it('property: a missing source makes exactly the rules reading it unknown, never failing', () => {
    fc.assert(
      fc.property(fc.subarray([...factSources]), (missing) => {
        const facts = device(9, (f) => missing.forEach((source) => delete f[source]));
        const verdict = evaluateDevice(facts, complianceBaseline, settings, now);
        for (const rule of complianceBaseline.rules) {
          const result = verdict.results.find((r) => r.ruleId === rule.id)!;
          const blind = rule.reads.some((source) => missing.includes(source));
          expect(result.outcome).toBe(blind ? 'unknown' : 'pass');
        }
        expect(verdict.health).toBe('healthy');
        expect(verdict.stopErrorFree).toBe(missing.includes('reliability') ? undefined : true);
      }),
      { seed: 14, numRuns: 200 },
    );
  });

  it('property: evaluation is pure (same facts and instant, same verdict) and never throws on arbitrary ages', () => {
    fc.assert(
      fc.property(fc.integer({ min: -30, max: 30 }), fc.nat(5_000), (offsetDays, index) => {
        const at = now + offsetDays * dayMs;
        const facts = mixedFleet(tenantId, 1, now, index)[0]!;
        const first = evaluateDevice(facts, complianceBaseline, settings, at);
        expect(evaluateDevice(structuredClone(facts), complianceBaseline, settings, at)).toEqual(first);
        expect(
          first.results.every((r) => ['pass', 'fail', 'notApplicable', 'unknown'].includes(r.outcome)),
        ).toBe(true);
      }),
      { seed: 14, numRuns: 200 },
    );
  });
});

describe('evaluateFleet', () => {
  const judge = (facts: DeviceFacts[]) =>
    facts.map((f) => evaluateDevice(f, complianceBaseline, settings, now));

  it('summarises pass rates per rule and counts health states', () => {
    const fleet = [
      device(1),
      device(2, failures['MDS-AV-04']),
      device(3, (f) => {
        failures['MDS-AV-04'](f);
        f.managedDevice!.complianceState = 'compliant';
      }),
      device(4, (f) => (f.managedDevice!.lastSyncDateTime = '2026-10-01T00:00:00Z')),
    ];
    const summary = evaluateFleet(judge(fleet), complianceBaseline, settings, now);
    expect(summary).toMatchObject({ devices: 4, healthy: 1, unhealthy: 2, notReporting: 1, caMismatches: 2 });
    expect(summary.rules.find((r) => r.ruleId === 'MDS-AV-04')).toEqual({
      ruleId: 'MDS-AV-04',
      pass: 1,
      fail: 2,
      notApplicable: 0,
      unknown: 0,
      passRate: 1 / 3,
    });
    expect(summary.rules.find((r) => r.ruleId === 'MDS-MGMT-02')).toMatchObject({
      pass: 3,
      fail: 1,
      passRate: 0.75,
    });
    expect(summary.shares.definitions).toEqual({ share: 1 / 3, devices: 3 });
  });

  it.each([
    ['bitLocker', 95, 'MDS-ENC-01'],
    ['definitions', 95, 'MDS-AV-04'],
  ] as const)(
    '%s: %d %% of reporting devices passing is enough, one fewer alerts',
    (threshold, percent, rule) => {
      const fleetOf = (failing: number) =>
        judge(Array.from({ length: 100 }, (_, i) => device(i, i < failing ? failures[rule] : undefined)));
      expect(evaluateFleet(fleetOf(100 - percent), complianceBaseline, settings, now).alerts).toEqual([]);
      const alerts = evaluateFleet(fleetOf(101 - percent), complianceBaseline, settings, now).alerts;
      expect(alerts).toEqual([
        expect.objectContaining({
          kind: 'fleetThreshold',
          threshold,
          share: (percent - 1) / 100,
          minimum: 0.95,
          devices: 100,
        }),
      ]);
      // The same tenant, threshold and day give the same alert id; the next day another.
      const again = evaluateFleet(
        fleetOf(101 - percent),
        complianceBaseline,
        settings,
        now + 3_600_000,
      ).alerts;
      const tomorrow = evaluateFleet(
        fleetOf(101 - percent),
        complianceBaseline,
        settings,
        now + dayMs,
      ).alerts;
      expect(again[0]?.alertId).toBe(alerts[0]?.alertId);
      expect(tomorrow[0]?.alertId).not.toBe(alerts[0]?.alertId);
    },
  );

  it('stop errors: below 97 % of devices free of them alerts; devices not reporting do not count', () => {
    const fleetOf = (crashing: number) =>
      judge([
        ...Array.from({ length: 100 }, (_, i) =>
          device(i, (f) => (f.reliability!.blueScreenCount = i < crashing ? 2 : 0)),
        ),
        device(200, (f) => {
          f.managedDevice!.lastSyncDateTime = '2026-01-01T00:00:00Z';
          f.reliability!.blueScreenCount = 5;
        }),
      ]);
    expect(evaluateFleet(fleetOf(3), complianceBaseline, settings, now).alerts).toEqual([]);
    expect(evaluateFleet(fleetOf(4), complianceBaseline, settings, now)).toMatchObject({
      shares: { stopErrorFree: { share: 0.96, devices: 100 } },
      alerts: [{ threshold: 'stopErrorFree', minimum: 0.97 }],
    });
  });

  it('unknown results do not count against the shares; an empty fleet alerts nothing', () => {
    const blind = judge([device(1), device(2, (f) => delete f.managedDevice!.tpm)]);
    expect(evaluateFleet(blind, complianceBaseline, settings, now).shares.bitLocker).toEqual({
      share: 1,
      devices: 1,
    });
    const empty = evaluateFleet([], complianceBaseline, settings, now);
    expect(empty).toMatchObject({ devices: 0, alerts: [] });
    expect(empty.rules.every((r) => r.passRate === undefined)).toBe(true);
  });

  it("honours the tenant's fleet thresholds", () => {
    const tenant = { ...settings, thresholds: { fleet: { bitLockerMinShare: 0.5 } } };
    const fleet = Array.from({ length: 10 }, (_, i) =>
      evaluateDevice(device(i, i < 4 ? failures['MDS-ENC-01'] : undefined), complianceBaseline, tenant, now),
    );
    expect(evaluateFleet(fleet, complianceBaseline, tenant, now).alerts).toEqual([]);
    expect(evaluateFleet(fleet, complianceBaseline, settings, now).alerts.map((a) => a.threshold)).toEqual([
      'bitLocker',
    ]);
  });
});
