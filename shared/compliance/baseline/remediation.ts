import {
  type CaMismatchAlert,
  ledgerKey,
  type PlanRemediations,
  type RemediationAction,
  type RemediationAttempt,
  type RemediationChannel,
  type RemediationFailure,
  type RemediationParams,
  type RemediationSubject,
  remediationChannel,
  type Severity,
  type WriteBudget,
} from './contract';
import { stableId } from './ids';
import { resolveCompliance } from './settings';

const hourMs = 3_600_000;
const severityRank: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

export interface SweepBudget {
  /** Actions per channel this sweep may send. */
  perSweep: Record<RemediationChannel, number>;
  /** Intune writes per window of `windowMs`: the pacing of the Intune actions. */
  intunePerWindow: number;
  windowMs: number;
}

/** The sweep's share of the tenant's write budgets: Intune's 100 writes per 20 s times the share, over its windows. */
export function remediationBudget(budget: WriteBudget): SweepBudget {
  const intunePerWindow = Math.floor(budget.intuneWritesPerWindow * budget.intuneShare);
  return {
    perSweep: {
      intune: intunePerWindow * budget.windows,
      directory: budget.directoryWritesPerSweep,
      defender: budget.defenderActionsPerSweep,
    },
    intunePerWindow,
    windowMs: budget.windowMs,
  };
}

interface Wanted {
  deviceId: string;
  aadDeviceId?: string;
  params: RemediationParams;
  subjects: RemediationSubject[];
  rank: number;
}

/**
 * The remediations of one sweep. For each failing subject in `remediate` mode (and each conditional-access
 * mismatch): send when the ledger has no attempt, or the last one is older than the retry interval and fewer than
 * the maximum were made; after the maximum, still failing at a later sweep, a `remediationFailed` is published once.
 * Subjects that pass again leave the ledger (the next sweep verifies every attempt) once the retry interval since the
 * last attempt is over; a relapse within it waits, so a flapping device is not written to more often. A device
 * wanting the same kind for several subjects gets one action. Within the budget, high severity first, then by device
 * id; the rest is deferred to the next sweep without counting as an attempt. Devices not reporting are left alone:
 * nothing can be verified.
 */
export const planRemediations: PlanRemediations = (input, baseline, settings) => {
  const { thresholds } = resolveCompliance(baseline, settings);
  const { retryAfterHours, maxAttempts } = thresholds.remediation;
  const { tenantId, now, ledger } = input;
  const nowIso = new Date(now).toISOString();
  const updates = new Map<string, RemediationAttempt>();
  const resolved: { deviceId: string; subject: RemediationSubject }[] = [];
  const failures: RemediationFailure[] = [];
  const caMismatchAlerts: CaMismatchAlert[] = [];
  const wanted = new Map<string, Wanted>();

  const retryMs = retryAfterHours * hourMs;
  // Most devices of a sweep have no entry: one set lookup spares them a key per result.
  const inLedger = new Set<string>();
  for (const entry of ledger.values()) inLedger.add(entry.deviceId);
  const sinceAttempt = (entry: RemediationAttempt): number =>
    entry.lastAttemptAt === undefined ? Number.POSITIVE_INFINITY : now - Date.parse(entry.lastAttemptAt);

  /** The entry of a failing subject: a cleared one starts a new run of failures, keeping only its last attempt. */
  const failingEntry = (deviceId: string, subject: RemediationSubject): RemediationAttempt | undefined => {
    const key = ledgerKey(deviceId, subject);
    const entry = updates.get(key) ?? (inLedger.has(deviceId) ? ledger.get(key) : undefined);
    if (entry?.clearedAt === undefined) return entry;
    const { clearedAt: _cleared, alerted: _alerted, ...rest } = entry;
    const relapsed = { ...rest, attempts: 0, failedPublished: false, firstSeenAt: nowIso };
    updates.set(key, relapsed);
    return relapsed;
  };

  /** A passing subject leaves the ledger, unless its last attempt is recent: then it is kept, cleared. */
  const passing = (deviceId: string, subject: RemediationSubject): void => {
    if (!inLedger.has(deviceId)) return;
    const entry = ledger.get(ledgerKey(deviceId, subject));
    if (!entry) return;
    if (sinceAttempt(entry) >= retryMs) resolved.push({ deviceId, subject });
    else if (entry.clearedAt === undefined)
      updates.set(ledgerKey(deviceId, subject), { ...entry, clearedAt: nowIso });
  };

  const consider = (
    deviceId: string,
    aadDeviceId: string | undefined,
    subject: RemediationSubject,
    params: RemediationParams,
    severity: Severity,
  ): void => {
    const entry = failingEntry(deviceId, subject);
    if (entry && entry.attempts >= maxAttempts) {
      // Verified failed: a sweep after the last attempt still finds it failing.
      if (!entry.failedPublished && sinceAttempt(entry) > 0) {
        failures.push({
          eventId: stableId('remediationFailed', tenantId, deviceId, subject, entry.firstSeenAt),
          tenantId,
          deviceId,
          subject,
          kind: entry.kind,
          attempts: entry.attempts,
        });
        updates.set(ledgerKey(deviceId, subject), { ...entry, failedPublished: true });
      }
      return;
    }
    if (entry && sinceAttempt(entry) < retryMs) return;
    const groupKey = `${deviceId}|${params.kind}`;
    const group = wanted.get(groupKey);
    if (group) {
      group.subjects.push(subject);
      group.rank = Math.min(group.rank, severityRank[severity]);
    } else {
      wanted.set(groupKey, {
        deviceId,
        ...(aadDeviceId === undefined ? {} : { aadDeviceId }),
        params,
        subjects: [subject],
        rank: severityRank[severity],
      });
    }
  };

  for (const verdict of input.verdicts) {
    if (verdict.health === 'notReporting') continue;
    const { deviceId, aadDeviceId } = verdict;
    for (const result of verdict.results) {
      if (result.outcome === 'pass' || result.outcome === 'notApplicable') {
        passing(deviceId, result.ruleId);
      } else if (result.outcome === 'fail' && result.mode === 'remediate' && result.remediation) {
        consider(deviceId, aadDeviceId, result.ruleId, result.remediation, result.severity);
      }
    }
    if (!verdict.caMismatch) {
      passing(deviceId, 'caMismatch');
      continue;
    }
    const key = ledgerKey(deviceId, 'caMismatch');
    const entry = failingEntry(deviceId, 'caMismatch');
    if (!entry) {
      // Kept from the first sweep that sees it, sent or not, so that a later sweep knows it persists.
      updates.set(key, {
        deviceId,
        subject: 'caMismatch',
        kind: 'deviceSync',
        attempts: 0,
        failedPublished: false,
        firstSeenAt: nowIso,
      });
    } else if (!entry.alerted && Date.parse(entry.firstSeenAt) < now) {
      caMismatchAlerts.push({
        eventId: stableId('caMismatch', tenantId, deviceId, entry.firstSeenAt),
        tenantId,
        deviceId,
        since: entry.firstSeenAt,
        failing: verdict.failing,
      });
      updates.set(key, { ...entry, alerted: true });
    }
    consider(deviceId, aadDeviceId, 'caMismatch', { kind: 'deviceSync' }, 'high');
  }

  const budget = remediationBudget(thresholds.writeBudget);
  const used: Record<RemediationChannel, number> = { intune: 0, directory: 0, defender: 0 };
  const actions: RemediationAction[] = [];
  let deferred = 0;
  const ordered = [...wanted.values()].sort(
    (a, b) => a.rank - b.rank || (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0),
  );
  for (const group of ordered) {
    const channel = remediationChannel[group.params.kind];
    if (used[channel] >= budget.perSweep[channel]) {
      deferred++;
      continue;
    }
    const delayMs =
      channel === 'intune' ? Math.floor(used[channel] / budget.intunePerWindow) * budget.windowMs : 0;
    used[channel]++;
    actions.push({
      actionId: stableId(
        'remediation',
        tenantId,
        group.deviceId,
        group.params.kind,
        group.subjects.join(','),
        nowIso,
      ),
      tenantId,
      deviceId: group.deviceId,
      ...(group.aadDeviceId === undefined ? {} : { aadDeviceId: group.aadDeviceId }),
      subjects: group.subjects,
      params: group.params,
      channel,
      delayMs,
    });
    for (const subject of group.subjects) {
      const key = ledgerKey(group.deviceId, subject);
      const entry = updates.get(key) ?? ledger.get(key);
      updates.set(key, {
        ...entry,
        deviceId: group.deviceId,
        subject,
        kind: group.params.kind,
        attempts: (entry?.attempts ?? 0) + 1,
        lastAttemptAt: nowIso,
        failedPublished: false,
        firstSeenAt: entry?.firstSeenAt ?? nowIso,
      });
    }
  }

  return { actions, deferred, failures, caMismatchAlerts, ledger: [...updates.values()], resolved };
};
