import fc from 'fast-check';
import {
  type DeviceFacts,
  type DeviceVerdict,
  ledgerKey,
  type RemediationAttempt,
  type RemediationPlan,
  type TenantComplianceSettings,
} from '../../../shared/compliance/baseline/contract';
import { evaluateDevice } from '../../../shared/compliance/baseline/evaluate';
import { planRemediations, remediationBudget } from '../../../shared/compliance/baseline/remediation';
import { complianceBaseline, defaultThresholds } from '../../../shared/compliance/baseline/rules';
import { defaultTenantComplianceSettings } from '../../../shared/compliance/baseline/settings';
import { healthyDeviceFacts } from '../../../local/dev/compliance-fleet';

const start = Date.parse('2026-12-01T08:00:00Z');
const hourMs = 3_600_000;
const sweepMs = 4 * hourMs;
const tenantId = 'tenant-a';
const settings = defaultTenantComplianceSettings(tenantId, { test: 0, first: 1, fast: 9, broad: 90 });

function verdict(
  index: number,
  at: number,
  change: (facts: DeviceFacts) => void = () => undefined,
  tenant: TenantComplianceSettings = settings,
): DeviceVerdict {
  const facts = healthyDeviceFacts(tenantId, index, at);
  facts.managedDevice!.complianceState = 'noncompliant';
  change(facts);
  return evaluateDevice(facts, complianceBaseline, tenant, at);
}
const overdue = (f: DeviceFacts) => (f.protectionState!.signatureUpdateOverdue = true);

type Ledger = Map<string, RemediationAttempt>;
function plan(verdicts: DeviceVerdict[], ledger: Ledger, now: number, tenant = settings): RemediationPlan {
  return planRemediations({ tenantId, verdicts, ledger, now }, complianceBaseline, tenant);
}
/** What the sweep does with a plan: upsert and delete ledger entries. */
function apply(ledger: Ledger, result: RemediationPlan): Ledger {
  const next = new Map(ledger);
  for (const entry of result.ledger) next.set(ledgerKey(entry.deviceId, entry.subject), entry);
  for (const { deviceId, subject } of result.resolved) next.delete(ledgerKey(deviceId, subject));
  return next;
}

describe('remediation planning', () => {
  it('attempts once, retries after 24 h, reports remediationFailed once after two, forgets when it passes', () => {
    let ledger: Ledger = new Map();
    const sweep = (hours: number, failing = true) => {
      const result = plan(
        [verdict(1, start + hours * hourMs, failing ? overdue : undefined)],
        ledger,
        start + hours * hourMs,
      );
      ledger = apply(ledger, result);
      return result;
    };
    const first = sweep(0);
    expect(first.actions).toEqual([
      expect.objectContaining({
        deviceId: 'md-00000001',
        aadDeviceId: 'aad-00000001',
        subjects: ['MDS-AV-04'],
        params: { kind: 'signatureUpdate' },
        channel: 'intune',
        delayMs: 0,
      }),
    ]);
    expect(ledger.get(ledgerKey('md-00000001', 'MDS-AV-04'))).toMatchObject({
      attempts: 1,
      firstSeenAt: '2026-12-01T08:00:00.000Z',
    });
    expect(sweep(4).actions).toEqual([]);
    expect(sweep(20).actions).toEqual([]);
    expect(sweep(24).actions).toHaveLength(1);
    expect(ledger.get(ledgerKey('md-00000001', 'MDS-AV-04'))).toMatchObject({ attempts: 2 });
    const failed = sweep(28);
    expect(failed.actions).toEqual([]);
    expect(failed.failures).toEqual([
      expect.objectContaining({
        deviceId: 'md-00000001',
        subject: 'MDS-AV-04',
        kind: 'signatureUpdate',
        attempts: 2,
      }),
    ]);
    expect(sweep(32).failures).toEqual([]);
    expect(sweep(100).actions).toEqual([]);
    const healed = sweep(104, false);
    expect(healed.resolved).toEqual([{ deviceId: 'md-00000001', subject: 'MDS-AV-04' }]);
    expect(ledger.size).toBe(0);
  });

  it('a replayed plan gives the same ids, and after its ledger is stored sends and reports nothing more', () => {
    const verdicts = [verdict(1, start, overdue)];
    const first = plan(verdicts, new Map(), start);
    expect(plan(verdicts, new Map(), start)).toEqual(first);
    expect(plan(verdicts, apply(new Map(), first), start)).toMatchObject({ actions: [], failures: [] });
    const twice = apply(new Map(), first);
    twice.set(ledgerKey('md-00000001', 'MDS-AV-04'), {
      ...twice.get(ledgerKey('md-00000001', 'MDS-AV-04'))!,
      attempts: 2,
    });
    expect(plan(verdicts, twice, start).failures).toEqual([]);
  });

  it('remediates only rules in remediate mode, and not devices that do not report', () => {
    const alertOnly = { ...settings, modes: { 'MDS-AV-04': 'alert' } } as const;
    expect(plan([verdict(1, start, overdue, alertOnly)], new Map(), start, alertOnly).actions).toEqual([]);
    const ledger: Ledger = new Map([
      [
        ledgerKey('md-00000002', 'MDS-AV-04'),
        {
          deviceId: 'md-00000002',
          subject: 'MDS-AV-04',
          kind: 'signatureUpdate',
          attempts: 1,
          lastAttemptAt: '2026-11-29T00:00:00Z',
          failedPublished: false,
          firstSeenAt: '2026-11-29T00:00:00Z',
        },
      ],
    ]);
    const silent = verdict(2, start, (f) => {
      overdue(f);
      f.managedDevice!.lastSyncDateTime = '2026-11-01T00:00:00Z';
    });
    expect(plan([silent], ledger, start)).toMatchObject({
      actions: [],
      resolved: [],
      ledger: [],
      failures: [],
    });
  });

  it('one action per device and kind: three subjects asking for a sync send one', () => {
    const v = verdict(3, start, (f) => {
      f.protectionState!.malwareProtectionEnabled = false;
      f.protectionState!.realTimeProtectionEnabled = false;
      f.managedDevice!.complianceState = 'compliant';
    });
    expect(v.caMismatch).toBe(true);
    const result = plan([v], new Map(), start);
    expect(result.actions).toEqual([
      expect.objectContaining({
        subjects: ['MDS-AV-01', 'MDS-AV-02', 'caMismatch'],
        params: { kind: 'deviceSync' },
      }),
    ]);
    expect(result.ledger.map((e) => [e.subject, e.attempts])).toEqual([
      ['caMismatch', 1],
      ['MDS-AV-01', 1],
      ['MDS-AV-02', 1],
    ]);
  });

  it('routes Defender scans and ring repairs to their own budgets', () => {
    const result = plan(
      [
        verdict(4, start, (f) => delete f.protectionState!.lastQuickScanDateTime),
        verdict(5, start, (f) => (f.ringMembership!.rings = [])),
      ],
      new Map(),
      start,
    );
    expect(result.actions.map((a) => [a.deviceId, a.channel, a.params.kind])).toEqual([
      ['md-00000004', 'defender', 'defenderAvScan'],
      ['md-00000005', 'directory', 'ringReAdd'],
    ]);
    expect(result.actions[0]?.params).toEqual({
      kind: 'defenderAvScan',
      machineId: 'm-00000004',
      scanType: 'Quick',
    });
  });

  it('a caMismatch is synced at once and alerted when it persists to a later sweep, once', () => {
    const mismatch = (at: number) =>
      verdict(6, at, (f) => {
        f.knownFolders!.desktop = false;
        f.managedDevice!.complianceState = 'compliant';
      });
    let ledger: Ledger = new Map();
    const first = plan([mismatch(start)], ledger, start);
    expect(first.actions).toEqual([
      expect.objectContaining({ subjects: ['caMismatch'], params: { kind: 'deviceSync' } }),
    ]);
    expect(first.caMismatchAlerts).toEqual([]);
    ledger = apply(ledger, first);
    const second = plan([mismatch(start + sweepMs)], ledger, start + sweepMs);
    expect(second.caMismatchAlerts).toEqual([
      expect.objectContaining({
        deviceId: 'md-00000006',
        since: '2026-12-01T08:00:00.000Z',
        failing: ['MDS-REC-01'],
      }),
    ]);
    ledger = apply(ledger, second);
    expect(plan([mismatch(start + 2 * sweepMs)], ledger, start + 2 * sweepMs).caMismatchAlerts).toEqual([]);
    // Fixed 8 hours after the sync: kept, cleared, until 24 h after it; then forgotten.
    const fixed = plan([verdict(6, start + 3 * sweepMs)], ledger, start + 3 * sweepMs);
    expect(fixed.resolved).toEqual([]);
    expect(fixed.ledger).toEqual([
      expect.objectContaining({ subject: 'caMismatch', clearedAt: '2026-12-01T20:00:00.000Z' }),
    ]);
    ledger = apply(ledger, fixed);
    expect(plan([verdict(6, start + 6 * sweepMs)], ledger, start + 6 * sweepMs).resolved).toEqual([
      { deviceId: 'md-00000006', subject: 'caMismatch' },
    ]);
  });

  it('a relapse within 24 h of the last attempt waits out the interval, then starts a new run of attempts', () => {
    let ledger: Ledger = new Map();
    const sweep = (hours: number, failing: boolean) => {
      const at = start + hours * hourMs;
      const result = plan([verdict(1, at, failing ? overdue : undefined)], ledger, at);
      ledger = apply(ledger, result);
      return result;
    };
    expect(sweep(0, true).actions).toHaveLength(1);
    expect(sweep(4, false).resolved).toEqual([]);
    expect(sweep(8, true).actions).toEqual([]);
    expect(ledger.get(ledgerKey('md-00000001', 'MDS-AV-04'))).toMatchObject({
      attempts: 0,
      firstSeenAt: '2026-12-01T16:00:00.000Z',
    });
    expect(sweep(24, true).actions).toHaveLength(1);
    expect(ledger.get(ledgerKey('md-00000001', 'MDS-AV-04'))).toMatchObject({
      attempts: 1,
      lastAttemptAt: '2026-12-02T08:00:00.000Z',
    });
  });

  it('a caMismatch over budget is still remembered, so that its persistence is alerted', () => {
    const tight = { ...settings, thresholds: { writeBudget: { intuneShare: 0.01, windows: 1 } } };
    const mismatch = (at: number) =>
      verdict(
        7,
        at,
        (f) => {
          overdue(f);
          f.managedDevice!.complianceState = 'compliant';
        },
        tight,
      );
    const first = plan([verdict(0, start, overdue, tight), mismatch(start)], new Map(), start, tight);
    expect(first.actions).toHaveLength(1);
    expect(first.deferred).toBe(2);
    expect(first.ledger.find((e) => e.subject === 'caMismatch')).toMatchObject({ attempts: 0 });
    const second = plan([mismatch(start + sweepMs)], apply(new Map(), first), start + sweepMs, tight);
    expect(second.caMismatchAlerts).toHaveLength(1);
  });

  it('10,000 devices with 20 % failing: the budget per sweep and window, 24 h between attempts, all reached', () => {
    const budget = remediationBudget(defaultThresholds.writeBudget);
    expect(budget).toEqual({
      perSweep: { intune: 750, directory: 200, defender: 50 },
      intunePerWindow: 50,
      windowMs: 20_000,
    });
    let ledger: Ledger = new Map();
    const lastAttempt = new Map<string, number>();
    const tooSoon: string[] = [];
    // Planning reads the results, not the verdict's instant: the same verdicts serve every sweep.
    const verdicts = Array.from({ length: 10_000 }, (_, i) =>
      verdict(i, start, i % 5 === 0 ? overdue : undefined),
    );
    for (let s = 0; s < 12; s++) {
      const at = start + s * sweepMs;
      const result = plan(verdicts, ledger, at);
      const perWindow = new Map<number, number>();
      for (const action of result.actions) {
        perWindow.set(action.delayMs, (perWindow.get(action.delayMs) ?? 0) + 1);
        const previous = lastAttempt.get(action.deviceId);
        if (previous !== undefined && at - previous < 24 * hourMs) tooSoon.push(action.deviceId);
        lastAttempt.set(action.deviceId, at);
      }
      expect(result.actions.length).toBe(
        s < 2 ? 750 : s === 2 ? 500 : s === 6 ? 750 : s === 7 ? 750 : s === 8 ? 500 : 0,
      );
      expect(Math.max(0, ...perWindow.values())).toBeLessThanOrEqual(50);
      expect(Math.max(0, ...perWindow.keys())).toBeLessThanOrEqual(14 * 20_000);
      if (s === 0) expect(result.deferred).toBe(1_250);
      ledger = apply(ledger, result);
    }
    expect(tooSoon).toEqual([]);
    // Every failing device had its first attempt within the first three sweeps, its second 24 h later.
    expect(lastAttempt.size).toBe(2_000);
  });

  it('property: per sweep within budget, never two attempts of a subject within 24 h, at most the maximum', () => {
    const sweepPlan = fc.array(fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), {
      minLength: 1,
      maxLength: 14,
    });
    // Two Intune writes per sweep.
    const tight = { ...settings, thresholds: { writeBudget: { intuneShare: 0.02, windows: 1 } } };
    fc.assert(
      fc.property(sweepPlan, fc.integer({ min: 1, max: 12 }), (sweeps, gapHours) => {
        let ledger: Ledger = new Map();
        const attempts = new Map<string, number[]>();
        const failuresSeen = new Set<string>();
        sweeps.forEach((failingNow, s) => {
          const at = start + s * gapHours * hourMs;
          const verdicts = failingNow.map((failing, i) =>
            verdict(i, at, failing ? overdue : undefined, tight),
          );
          const result = plan(verdicts, ledger, at, tight);
          expect(result.actions.length).toBeLessThanOrEqual(2);
          for (const action of result.actions) {
            const times = attempts.get(action.deviceId) ?? [];
            if (times.length > 0) expect(at - times[times.length - 1]!).toBeGreaterThanOrEqual(24 * hourMs);
            attempts.set(action.deviceId, [...times, at]);
          }
          for (const failure of result.failures) {
            expect(failuresSeen.has(failure.eventId)).toBe(false);
            failuresSeen.add(failure.eventId);
          }
          ledger = apply(ledger, result);
          for (const entry of ledger.values()) expect(entry.attempts).toBeLessThanOrEqual(2);
          // Passing devices leave the ledger, or stay cleared until the retry interval is over.
          failingNow.forEach((failing, i) => {
            const entry = ledger.get(ledgerKey(`md-${String(i).padStart(8, '0')}`, 'MDS-AV-04'));
            if (!failing && entry) expect(entry.clearedAt).toBeDefined();
          });
        });
      }),
      { seed: 14, numRuns: 60 },
    );
  });
});
