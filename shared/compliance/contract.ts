import { activity, declareActivities } from '../durable/activity';

/**
 * Compliance sweeps: every device of a tenant against the baseline (shared/compliance/baseline), on a timer and on
 * an operator's request. Orchestration-safe: names, ids and small inputs and outputs. A sweep's facts and verdicts
 * never travel through durable history: the facts go to a blob the activities pass by name, the verdicts to Cosmos.
 */

export const sweepTimer = { name: 'complianceSweeps', scheduleSetting: 'COMPLIANCE_SWEEP_SCHEDULE' } as const;

export const sweepTenantOrchestration = 'complianceSweepTenant';

/** Sweeps are numbered by window: every firing or request in the same window starts the same instance. */
export const sweepWindowMs = 4 * 3_600_000;

export type SweepTrigger = 'schedule' | 'operator';

export function windowStart(at: number, windowMs = sweepWindowMs): string {
  return new Date(Math.floor(at / windowMs) * windowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The id of one tenant's sweep in the window that covers `at` (the same for the timer and for "run now"). */
export function sweepInstanceId(tenantId: string, at: number, windowMs = sweepWindowMs): string {
  return `compliance:${tenantId}:${windowStart(at, windowMs)}`;
}

export interface SweepInput {
  tenantId: string;
  sweepId: string;
  /** ISO start of the window: the sweep judges as of this instant, so a replay computes the same verdicts and ids. */
  windowAt: string;
  trigger: SweepTrigger;
}

/** Where a sweep's facts were kept, and what they cost to gather. */
export interface FactsRef {
  blob: string;
  devices: number;
  /** Graph and Defender calls made (pages), by source. */
  calls: Record<string, number>;
  /** Sources taken from telemetry's current state instead of a live read. */
  fromTelemetry: string[];
}

export interface SweepOutcome {
  tenantId: string;
  sweepId: string;
  baselineVersion: string;
  devices: number;
  healthy: number;
  unhealthy: number;
  notReporting: number;
  caMismatches: number;
  healthChanges: number;
  remediationsQueued: number;
  remediationsDeferred: number;
  remediationFailures: number;
  alerts: number;
  graphCalls: number;
}

export const complianceActivities = declareActivities({
  /** Reads every fact source in bulk (or from telemetry when fresh), writes the facts blob; returns its name. */
  collectFacts: activity<SweepInput, FactsRef>(),
  /**
   * Evaluates the facts, stores results and the summary, publishes health changes and alerts, and queues the
   * remediations the plan allows. Idempotent per sweep: events and messages carry stable ids.
   */
  evaluateSweep: activity<SweepInput & { facts: FactsRef }, SweepOutcome>(),
  /** Records how a sweep ended (also a failed one) in the tenant's sweep history. */
  recordSweep: activity<SweepInput & { outcome?: SweepOutcome; error?: string }, void>(),
});

/** The operator API's status route of one sweep (GET, Fleet.Read). */
export function sweepStatusPath(tenantId: string, sweepId: string): string {
  return `/api/v1/tenants/${tenantId}/sweeps/${encodeURIComponent(sweepId)}`;
}
