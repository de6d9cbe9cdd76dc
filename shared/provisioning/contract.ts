import { activity, declareActivities } from '../durable/activity';
import { type ReadinessVerdict } from './store';

/**
 * Provisioning as durable work: bringing a registered tenant to active (readiness, then the desired state) and
 * reconciling managed tenants, on demand and on a timer. Orchestration-safe: ids, verdicts and counts only. No
 * credential or password ever travels here: the registration's client secret goes to Key Vault before anything
 * starts, and service-account passwords are made, stored and sent inside one activity (reconcile.ts).
 */

export const provisionOrchestration = 'provisionTenant';
export const reconcileTenantOrchestration = 'reconcileTenant';
export const reconcileAllOrchestration = 'reconcileAllTenants';

/** One provisioning per tenant: a repeated registration finds it instead of starting a second. */
export const provisionInstanceId = (tenantId: string): string => `provision:${tenantId}`;
/** One on-demand reconcile per tenant at a time. */
export const reconcileInstanceId = (tenantId: string): string => `reconcile:${tenantId}`;

/** The timer: every 4 hours by default (RECONCILE_SCHEDULE, NCRONTAB), one run per window. */
export const reconcileTimer = { name: 'reconcileTenants', scheduleSetting: 'RECONCILE_SCHEDULE' } as const;
export const reconcileWindowMs = 4 * 3_600_000;

/** The run that covers `at`: every firing, restart or second instance within the window computes the same id. */
export function reconcileRunId(at: number): string {
  const start = new Date(Math.floor(at / reconcileWindowMs) * reconcileWindowMs);
  return `reconcile-all:${start.toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
}

export const reconcileRunTenantInstanceId = (runId: string, tenantId: string): string =>
  `${runId}:${tenantId}`;

export interface ProvisionInput {
  tenantId: string;
  /** Names the audit records of this run's writes: a retried activity records nothing twice. */
  runId: string;
}

export interface ReconcileInput extends ProvisionInput {
  /** First provisioning: everything missing is created without drift records. */
  initial: boolean;
}

export type ReconcileOutcome =
  | { outcome: 'succeeded'; writes: number; deviations: number }
  /** A read failed: nothing was written and no drift record changed. */
  | { outcome: 'readFailed'; writes: 0; deviations: 0 }
  /** Graph asked to slow down for longer than a call waits: the orchestration waits that long and runs again. */
  | { outcome: 'throttled'; retryAfterMs?: number }
  /** Not (or no longer) an active managed tenant. */
  | { outcome: 'skipped'; reason: string }
  /** Retries ran out on transient faults, or a permanent failure: the next run tries again. */
  | { outcome: 'failed'; reason: string };

export type ProvisionOutput =
  | { tenantId: string; status: 'active'; verdict: ReadinessVerdict; writes: number }
  | { tenantId: string; status: 'held'; verdict: ReadinessVerdict; notReady: string[] }
  | { tenantId: string; status: 'failed'; verdict: ReadinessVerdict; reason: string };

export interface ProvisionStatus {
  step: 'readiness' | 'provisioning' | 'activating' | 'waitingForThrottle';
}

export interface ReconcileAllInput {
  runId: string;
  /** Tenant ids are read a page at a time; the next page starts after this id (continueAsNew between pages). */
  after?: string;
  totals?: ReconcileAllSummary['totals'];
}

export interface ReconcileAllSummary {
  runId: string;
  totals: { tenants: number; succeeded: number; failed: number; skipped: number; writes: number };
}

export interface TenantPage {
  tenantIds: string[];
  /** Present when more tenants follow: the `after` of the next page. */
  next?: string;
}

export const provisioningActivities = declareActivities({
  /** Runs the readiness checks (reads only), stores the assessment, answers its verdict and the checks not ready. */
  assessReadiness: activity<{ tenantId: string }, { verdict: ReadinessVerdict; notReady: string[] }>(),
  /** Reads the tenant in bulk, diffs it against the desired state, applies the difference (reconcile.ts). */
  applyDesiredState: activity<ReconcileInput, ReconcileOutcome>(),
  activateTenant: activity<{ tenantId: string }, void>(),
  /** Active managed tenants, by id, a bounded page at a time (so that no run's history holds every tenant). */
  listManagedTenants: activity<{ runId: string; after?: string; pageSize: number }, TenantPage>(),
});
