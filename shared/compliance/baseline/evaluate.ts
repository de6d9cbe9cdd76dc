import {
  type Baseline,
  type DeviceFacts,
  factSources,
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
import { type ResolvedCompliance, resolveCompliance } from './settings';
import { isoMs } from './time';

const hourMs = 3_600_000;

/**
 * What a sweep's devices share, computed once per tenant settings and instant rather than per device: the rule
 * context, the ISO instant, and the last `asOf` seen per source with its parse (a bulk source stamps every device of
 * a read with the same one).
 */
interface SweepState {
  now: number;
  evaluatedAt: string;
  context: RuleContext;
  staleAfterMs: number[];
  lastAsOf: (string | undefined)[];
  lastAsOfMs: number[];
  checkInIndex: number;
}
const sweepStates = new WeakMap<ResolvedCompliance, SweepState>();

function sweepState(resolved: ResolvedCompliance, now: number): SweepState {
  let state = sweepStates.get(resolved);
  if (!state) {
    state = {
      now: Number.NaN,
      evaluatedAt: '',
      context: { ...resolved.context, now },
      staleAfterMs: factSources.map((source) => resolved.thresholds.staleAfterHours[source] * hourMs),
      lastAsOf: factSources.map(() => undefined),
      lastAsOfMs: factSources.map(() => Number.NaN),
      checkInIndex: resolved.baseline.rules.findIndex((rule) => rule.id === checkInRuleId),
    };
    sweepStates.set(resolved, state);
  }
  if (state.now !== now) {
    state.now = now;
    state.evaluatedAt = new Date(now).toISOString();
    state.context = { ...resolved.context, now };
  }
  return state;
}

/** Per source (by its index in `factSources`): why it cannot be judged (missing, stale), or undefined when fresh. */
function staleness(facts: DeviceFacts, state: SweepState): (string | undefined)[] {
  const reasons: (string | undefined)[] = new Array<string | undefined>(factSources.length);
  for (let i = 0; i < factSources.length; i++) {
    const source = factSources[i]!;
    const fact = facts[source];
    if (fact === undefined) {
      reasons[i] = `no ${source} data`;
      continue;
    }
    let at = state.lastAsOfMs[i]!;
    if (fact.asOf !== state.lastAsOf[i]) {
      at = isoMs(fact.asOf);
      state.lastAsOf[i] = fact.asOf;
      state.lastAsOfMs[i] = at;
    }
    if (!Number.isFinite(at)) reasons[i] = `${source} data without a valid asOf`;
    else if (state.now - at > state.staleAfterMs[i]!) {
      reasons[i] =
        `${source} data from ${fact.asOf} is stale (older than ${state.staleAfterMs[i]! / hourMs} h)`;
    }
  }
  return reasons;
}

const sourceIndex = Object.fromEntries(factSources.map((source, index) => [source, index])) as Record<
  FactSource,
  number
>;

function judge(
  facts: DeviceFacts,
  resolved: ResolvedCompliance,
  state: SweepState,
  stale: readonly (string | undefined)[],
  index: number,
): RuleResult {
  const rule = resolved.baseline.rules[index]!;
  const mode = resolved.modes[index]!;
  for (const source of rule.reads) {
    const reason = stale[sourceIndex[source]];
    if (reason !== undefined)
      return { ruleId: rule.id, outcome: 'unknown', detail: reason, mode, severity: rule.severity };
  }
  const evaluation = rule.evaluate(facts, state.context);
  const result: RuleResult = {
    ruleId: rule.id,
    outcome: evaluation.outcome,
    detail: evaluation.detail,
    mode,
    severity: rule.severity,
  };
  if (evaluation.remediation) result.remediation = evaluation.remediation;
  if (evaluation.products) result.products = evaluation.products;
  return result;
}

/** One device against the baseline, with the tenant's modes and thresholds. Pure; `now` is the sweep's instant. */
export const evaluateDevice: EvaluateDevice = (facts, baseline, settings, now) => {
  const resolved = resolveCompliance(baseline, settings);
  const state = sweepState(resolved, now);
  const stale = staleness(facts, state);
  const verdict: DeviceVerdict = {
    tenantId: facts.tenantId,
    deviceId: facts.deviceId,
    baselineVersion: baseline.version,
    evaluatedAt: state.evaluatedAt,
    health: 'healthy',
    results: [],
    failing: [],
    caMismatch: false,
  };
  if (facts.aadDeviceId !== undefined) verdict.aadDeviceId = facts.aadDeviceId;
  const checkIn =
    state.checkInIndex >= 0 ? judge(facts, resolved, state, stale, state.checkInIndex) : undefined;
  if (checkIn?.outcome === 'fail') {
    verdict.health = 'notReporting';
    verdict.results = [checkIn];
    return verdict;
  }

  const results: RuleResult[] = [];
  const failing: RuleId[] = [];
  for (let i = 0; i < baseline.rules.length; i++) {
    const result = i === state.checkInIndex && checkIn ? checkIn : judge(facts, resolved, state, stale, i);
    results.push(result);
    if (result.outcome === 'fail') failing.push(result.ruleId);
  }
  verdict.results = results;
  verdict.failing = failing;
  if (failing.length > 0) {
    verdict.health = 'unhealthy';
    // Conditional access trusts Intune's state: compliant there while we find it unhealthy lets it through.
    verdict.caMismatch =
      stale[sourceIndex.managedDevice] === undefined && facts.managedDevice!.complianceState === 'compliant';
  }
  if (stale[sourceIndex.reliability] === undefined)
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
