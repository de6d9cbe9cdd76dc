/**
 * The audit trail's port: what a privileged action records, in one shape for both environments. Which fields are
 * personal is declared here, by where they sit, once:
 * - `actor` of kind `operator` is the operator environment's personal data: clear in the operator sink, a stable
 *   alias in the customer's sink;
 * - `target.customerPersonal` is the customer's personal data (user names, UPNs, device names): clear in the
 *   customer's sink, a keyed pseudonym in the operator sink.
 * Nothing personal may travel in any other field (`target.id` is an id such as a serial number, an object id or an
 * instance id; `reason` is a fixed text or a code).
 */

/** Every action the trail records; a capability adds its actions here when it first performs them. */
export const auditActions = [
  'tenant.suspend',
  'tenant.resume',
  'onboarding.start',
  'operator.update',
  'remediation.run',
  'tenant.register',
  'tenant.provision',
  'tenant.reconcile',
  'drift.remediate',
  'drift.accept',
  'compliance.sweep',
  'compliance.settings',
  'drift.policy',
  // Privileged access (shared/access): every step of a checkout of a tenant's service-account credential.
  'credential.request',
  'credential.approve',
  'credential.deny',
  'credential.expire',
  'credential.checkout',
  'credential.checkin',
  'credential.revoke',
  'credential.rotate',
  'credential.breakGlass',
  'credential.reviewClose',
] as const;
export type AuditAction = (typeof auditActions)[number];

export const auditOutcomes = ['succeeded', 'failed', 'refused'] as const;
export type AuditOutcome = (typeof auditOutcomes)[number];

export type AuditActor =
  /** A person of the operator environment, by Entra object id (and display name, when known). */
  | { kind: 'operator'; oid: string; displayName?: string }
  /** The service itself: the function that acted and, in an orchestration, its instance. */
  | { kind: 'service'; functionName: string; instanceId?: string };

export interface AuditTarget {
  type: 'tenant' | 'device' | 'user' | 'operator' | 'onboarding' | 'credential';
  /** An identifier that is not personal data. */
  id: string;
  customerPersonal?: {
    userPrincipalName?: string;
    userDisplayName?: string;
    deviceName?: string;
  };
}

export interface AuditEvent {
  /**
   * Stable per action: the same action retried records once. Derive it from what makes the action unique (the
   * request's idempotency key or invocation id, the orchestration instance and step).
   */
  id: string;
  action: AuditAction;
  actor: AuditActor;
  /** The customer tenant acted on; undefined for actions of the operator environment alone (operator registry). */
  tenantId?: string;
  target: AuditTarget;
  outcome: AuditOutcome;
  reason?: string;
  correlation: { invocationId?: string; instanceId?: string };
  /** ISO 8601. */
  time: string;
}

/**
 * Records one event durably, or throws a retryable AppError (DependencyUnavailableError: the HTTP edge answers 503
 * with Retry-After). An operator action whose event cannot be accepted does not happen: record before acting, or
 * record the outcome and fail the request when recording fails.
 */
export interface AuditPort {
  record(event: AuditEvent): Promise<void>;
}

/** The two environments, each with its own sink and its own people. */
export const auditEnvironments = ['operator', 'customer'] as const;
export type AuditEnvironment = (typeof auditEnvironments)[number];

/**
 * Where each environment's personal data sits in an event, and what becomes of it in the other environment's sink:
 * a keyed hash (stable, so records of one person still join within that sink; each sink hashes with a key of its
 * own, so the two sinks cannot be joined by value) or nothing at all. `*` stands for every member of an object.
 * Both sinks' projections are driven by this table alone: a personal field added to an event type is added here.
 */
export const personalData: Readonly<
  Record<AuditEnvironment, readonly { path: readonly string[]; elsewhere: 'keyedHash' | 'omit' }[]>
> = {
  operator: [
    { path: ['actor', 'oid'], elsewhere: 'keyedHash' },
    { path: ['actor', 'displayName'], elsewhere: 'omit' },
  ],
  customer: [{ path: ['target', 'customerPersonal', '*'], elsewhere: 'keyedHash' }],
};
