import { activity, declareActivities, type RetryPolicy } from '../durable/activity';

/**
 * Privileged access: a just-in-time checkout of a customer tenant's service-account credential, one durable
 * orchestration per request. Everything here is orchestration-safe: ids, states and times. A password never appears
 * in an input, an output, a custom status or an event of an orchestration: the HTTP handler that hands it out reads
 * it from Key Vault itself, and the rotation activity generates, stores and sets it within one call.
 */

/** The service accounts provisioning creates in each tenant (shared/provisioning/desired-state.ts). */
export const credentialAccounts = ['msadmin', 'mstest', 'soc_ro', 'wdgsoc'] as const;
export type CredentialAccount = (typeof credentialAccounts)[number];

export const credentialRequestOrchestration = 'credentialRequest';
export const scheduledRotationOrchestration = 'credentialScheduledRotation';
/** One rotation of one account (a sub-orchestration of a request, or of a scheduled run). */
export const credentialRotationOrchestration = 'credentialRotation';

/** The timer that starts the scheduled rotation run; its NCRONTAB schedule is the named setting. */
export const rotationTimer = {
  name: 'credentialRotationSweep',
  scheduleSetting: 'CREDENTIAL_ROTATION_SCHEDULE',
};

const minute = 60_000;
const hour = 60 * minute;

export const accessLimits = {
  minLeaseMinutes: 15,
  maxLeaseMinutes: 8 * 60,
  minJustificationLength: 20,
  /** A request nobody approves or denies expires (Customer Lockbox's 12 hours). */
  unansweredAfterMs: 12 * hour,
  /** An approved request that is not checked out within this time expires too: approvals do not keep. */
  checkoutWithinMs: 12 * hour,
  /** Every account is rotated at least this often, used or not. */
  rotateEveryMs: 13 * 24 * hour,
  /** Break glass: only on one's own request that waited this long unanswered... */
  breakGlassAfterMs: 30 * minute,
  /** ...at most once per operator in this window, and never while one of theirs waits for review. */
  breakGlassWindowMs: 24 * hour,
  /** A break-glass lease is short: long enough to fix what was urgent, then the second approver reviews. */
  breakGlassMaxLeaseMinutes: 60,
} as const;

/** External events the HTTP handlers raise on a request's orchestration, after they changed its record. */
export const credentialSignals = {
  /** Approved, denied or broken glass (the record says which; the event carries no more than that). */
  decided: 'decided',
  checkedOut: 'checkedOut',
  /** Checked in or revoked. */
  ended: 'ended',
} as const;

export type Decision = { outcome: 'approved' | 'denied' | 'breakGlass' };
/**
 * The lease's length: the orchestration's timer runs from when it hears of the checkout, on its own clock (the
 * record keeps the wall-clock end the holder was told).
 */
export type CheckedOut = { leaseMinutes: number };
export type LeaseEnded = { reason: 'checkedIn' | 'revoked' };

/** One orchestration per request; the id is derived from the request id, which derives from the Idempotency-Key. */
export function credentialInstanceId(tenantId: string, requestId: string): string {
  return `credential:${tenantId}:${requestId}`;
}

/** The rotation lock a request's lease end takes (the lock of a scheduled run is `scheduled:{runId}`). */
export function requestLockKey(requestId: string): string {
  return `request:${requestId}`;
}

export function scheduledRotationInstanceId(day: string): string {
  return `credential-rotations:${day}`;
}

export function rotationInstanceId(key: string): string {
  return `credential-rotation:${key}`;
}

export interface CredentialRequestInput {
  tenantId: string;
  requestId: string;
  account: CredentialAccount;
}

/** Who holds the rotation lock of an account: the request whose lease ended, or a scheduled run. */
export interface RotationJob {
  tenantId: string;
  account: CredentialAccount;
  /** The lock key: `request:{id}` or `scheduled:{run}`. */
  lockKey: string;
  reason: 'checkedIn' | 'leaseExpired' | 'revoked' | 'scheduled';
  requestId?: string;
}

export interface RotationOutcome {
  /** The new Key Vault secret version (an id, not a value). */
  version: string;
  rotatedAt: string;
  disabledVersions: number;
}

/**
 * What an expiry found. Not expired: the record moved on just before the timer fired, and says where to, so the
 * orchestration goes on from the record even if the handler's event was lost.
 */
export type ExpiryOutcome = { expired: true } | { expired: false; status: string; leaseEndsAt?: string };

export interface RequestOutcome {
  requestId: string;
  status: string;
  rotatedVersion?: string;
}

export interface ScheduledRunInput {
  runId: string;
  at: string;
}

export const accessActivities = declareActivities({
  /** Expires the request if it is still `pending` (stage unanswered) or `approved` (not checked out). */
  expireRequest: activity<
    CredentialRequestInput & { stage: 'unanswered' | 'notCheckedOut' },
    ExpiryOutcome
  >(),
  /** Ends a lease whose time ran out (if it is still open) and takes the account's rotation lock. */
  expireLease: activity<
    CredentialRequestInput,
    { ended: true } | { ended: false; reason: 'checkedIn' | 'revoked' | 'leaseExpired' }
  >(),
  /** A new random password: stored as a new Key Vault version, set on the Entra account, older versions disabled. */
  rotatePassword: activity<RotationJob, RotationOutcome>(),
  /** Raises the alert, audit event and CloudEvent of a rotation that failed all its retries (round `round`). */
  reportRotationFailure: activity<RotationJob & { round: number; error: string }, void>(),
  /** Accounts of active managed tenants last rotated 13 days ago or more, each with its rotation lock taken. */
  claimDueRotations: activity<ScheduledRunInput, RotationJob[]>(),
  /** Marks a request nobody answered within 30 minutes: from then on its requester may break glass. */
  escalateRequest: activity<CredentialRequestInput, void>(),
});

/**
 * A rotation's own retries: quick at first (a Graph blip), then backing off to minutes. When they run out the
 * orchestration raises an alert and starts another round after `rotationRoundPauseMs`, so a password that should be
 * dead is never left valid without someone being told, and is rotated as soon as the fault clears.
 */
export const rotationRetry: RetryPolicy = {
  firstRetryIntervalMs: 2_000,
  backoffCoefficient: 2,
  maxRetryIntervalMs: 5 * minute,
  maxAttempts: 6,
  retryTimeoutMs: 30 * minute,
};
export const rotationRoundPauseMs = 15 * minute;
