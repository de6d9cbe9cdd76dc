import {
  type Baseline,
  type DeviceFacts,
  type DeviceVerdict,
  type EvaluateDevice,
  type EvaluateFleet,
  type FactSource,
  type FleetAlertFinding,
  type FleetSummary,
  type FleetThresholdId,
  type RuleContext,
  type RuleId,
  type RuleResult,
  type TenantComplianceSettings,
} from './contract';
import { stableId } from './ids';
import { checkInRuleId } from './rules';
import { resolveCompliance } from './settings';

const hourMs = 3_600_000;

/** Why a source cannot be judged (missing or older than its threshold), or undefined when it is fresh. */
function staleness(
  facts: DeviceFacts,
  source: FactSource,
  staleAfterHours: number,
  now: number,
): string | undefined {
  const fact = facts[source];
  if (fact === undefined) return `no ${source} data`;
  const at = Date.parse(fact.asOf);
  if (!Number.isFinite(at)) return `${source} data without a valid asOf`;
  return now - at > staleAfterHours * hourMs
    ? `${source} data from ${fact.asOf} is stale (older than ${staleAfterHours} h)`
    : undefined;
}

/** One device against the baseline, with the tenant's modes and thresholds. Pure; `now` is the sweep's instant. */
export const evaluateDevice: EvaluateDevice = (facts, baseline, settings, now) => {
  const resolved = resolveCompliance(baseline, settings);
  const { thresholds } = resolved;
  const context: RuleContext = { ...resolved.context, now };
  // Each source is checked once per device, however many rules read it.
  const stale = new Map<FactSource, string | undefined>();
  const staleReason = (source: FactSource): string | undefined => {
    if (!stale.has(source))
      stale.set(source, staleness(facts, source, thresholds.staleAfterHours[source], now));
    return stale.get(source);
  };
  const judge = (index: number): RuleResult => {
    const rule = baseline.rules[index]!;
    const mode = resolved.modes[index]!;
    for (const source of rule.reads) {
      const reason = staleReason(source);
      if (reason !== undefined)
        return { ruleId: rule.id, outcome: 'unknown', detail: reason, mode, severity: rule.severity };
    }
    return { ruleId: rule.id, mode, severity: rule.severity, ...rule.evaluate(facts, context) };
  };

  const base = {
    tenantId: facts.tenantId,
    deviceId: facts.deviceId,
    ...(facts.aadDeviceId === undefined ? {} : { aadDeviceId: facts.aadDeviceId }),
    baselineVersion: baseline.version,
    evaluatedAt: new Date(now).toISOString(),
  };
  const checkInIndex = baseline.rules.findIndex((rule) => rule.id === checkInRuleId);
  if (checkInIndex >= 0) {
    const checkIn = judge(checkInIndex);
    if (checkIn.outcome === 'fail') {
      return { ...base, health: 'notReporting', results: [checkIn], failing: [], caMismatch: false };
    }
  }

  const results: RuleResult[] = [];
  const failing: RuleId[] = [];
  for (let i = 0; i < baseline.rules.length; i++) {
    const result = judge(i);
    results.push(result);
    if (result.outcome === 'fail') failing.push(result.ruleId);
  }
  const health = failing.length > 0 ? 'unhealthy' : 'healthy';
  const verdict: DeviceVerdict = {
    ...base,
    health,
    results,
    failing,
    // Conditional access trusts Intune's state: compliant there while we find it unhealthy lets it through.
    caMismatch:
      health === 'unhealthy' &&
      staleReason('managedDevice') === undefined &&
      facts.managedDevice!.complianceState === 'compliant',
  };
  if (staleReason('reliability') === undefined)
    verdict.stopErrorFree = facts.reliability!.blueScreenCount === 0;
  return verdict;
};

interface Tally {
  pass: number;
  fail: number;
  notApplicable: number;
  unknown: number;
}

/** Which rule a fleet share counts (passing among the reporting devices the rule could judge). */
const thresholdRules: Record<Exclude<FleetThresholdId, 'stopErrorFree'>, RuleId> = {
  bitLocker: 'MDS-ENC-01',
  definitions: 'MDS-AV-04',
};

/**
 * A fleet summary built one verdict at a time (a sweep streams its devices through it): counts per health state,
 * per rule outcomes and pass rate, and the fleet shares with their alerts.
 */
export function fleetAccumulator(baseline: Baseline, settings: TenantComplianceSettings) {
  const { thresholds } = resolveCompliance(baseline, settings);
  const ruleIndex = new Map(baseline.rules.map((rule, index) => [rule.id, index]));
  const tallies: Tally[] = baseline.rules.map(() => ({ pass: 0, fail: 0, notApplicable: 0, unknown: 0 }));
  const counts = { devices: 0, healthy: 0, unhealthy: 0, notReporting: 0, caMismatches: 0 };
  const stopErrors = { free: 0, devices: 0 };

  return {
    add(verdict: DeviceVerdict): void {
      counts.devices++;
      counts[verdict.health]++;
      if (verdict.caMismatch) counts.caMismatches++;
      // A device not reporting is judged by no rule but the check-in: it counts there only.
      for (const result of verdict.results) {
        const index = ruleIndex.get(result.ruleId);
        if (index !== undefined) tallies[index]![result.outcome]++;
      }
      if (verdict.health !== 'notReporting' && verdict.stopErrorFree !== undefined) {
        stopErrors.devices++;
        if (verdict.stopErrorFree) stopErrors.free++;
      }
    },

    summary(now: number): FleetSummary {
      const rules = baseline.rules.map((rule, index) => {
        const tally = tallies[index]!;
        const judged = tally.pass + tally.fail;
        return { ruleId: rule.id, ...tally, ...(judged > 0 ? { passRate: tally.pass / judged } : {}) };
      });
      const ruleShare = (id: RuleId) => {
        const tally = tallies[ruleIndex.get(id) ?? -1];
        const devices = tally ? tally.pass + tally.fail : 0;
        return devices > 0 && tally ? { share: tally.pass / devices, devices } : { devices };
      };
      const shares: FleetSummary['shares'] = {
        bitLocker: ruleShare(thresholdRules.bitLocker),
        definitions: ruleShare(thresholdRules.definitions),
        stopErrorFree:
          stopErrors.devices > 0
            ? { share: stopErrors.free / stopErrors.devices, devices: stopErrors.devices }
            : { devices: 0 },
      };
      const minimums: Record<FleetThresholdId, number> = {
        bitLocker: thresholds.fleet.bitLockerMinShare,
        definitions: thresholds.fleet.definitionsMinShare,
        stopErrorFree: thresholds.fleet.stopErrorFreeMinShare,
      };
      const evaluatedAt = new Date(now).toISOString();
      const alerts: FleetAlertFinding[] = [];
      for (const threshold of Object.keys(minimums) as FleetThresholdId[]) {
        const { share, devices } = shares[threshold];
        if (share === undefined || share >= minimums[threshold]) continue;
        alerts.push({
          alertId: stableId('fleetThreshold', settings.tenantId, threshold, evaluatedAt.slice(0, 10)),
          kind: 'fleetThreshold',
          threshold,
          share,
          minimum: minimums[threshold],
          devices,
        });
      }
      return {
        tenantId: settings.tenantId,
        baselineVersion: baseline.version,
        evaluatedAt,
        ...counts,
        rules,
        shares,
        alerts,
      };
    },
  };
}

export const evaluateFleet: EvaluateFleet = (verdicts, baseline, settings, now) => {
  const fleet = fleetAccumulator(baseline, settings);
  for (const verdict of verdicts) fleet.add(verdict);
  return fleet.summary(now);
};
