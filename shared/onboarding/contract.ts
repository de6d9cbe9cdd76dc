import { activity, declareActivities } from '../durable/activity';
import { type UpdateRing } from '../domain/tenant';

/** The orchestration that onboards one device; its instance id is `onboardingInstanceId(tenant, serial)`. */
export const onboardingOrchestration = 'onboardDevice';

/**
 * The operator API's route for one device's onboarding (under the host's `api` prefix), the one place both the
 * webhook's 202 and the operator API take it from. It needs an operator token and respects tenant scope, so it can
 * be named to an external sender: unlike Durable's status URL it carries no key.
 */
export const onboardingStatusRoute = 'v1/tenants/{tenantId}/onboardings/{serialNumber}';

/** The path of `onboardingStatusRoute` for one device, as the 202 of the webhook names it. */
export function onboardingStatusPath(tenantId: string, serialNumber: string): string {
  return `/api/${onboardingStatusRoute
    .replace('{tenantId}', encodeURIComponent(tenantId))
    .replace('{serialNumber}', encodeURIComponent(serialNumber))}`;
}

/** What the orchestration starts with: one device of an order, plus the deadlines it was started under. */
export interface OnboardingRequest {
  tenantId: string;
  orderId: string;
  serialNumber: string;
  hardwareHash: string;
  groupTag: string;
  assignedUserPrincipalName: string;
  /** ISO time the order was accepted. */
  acceptedAt: string;
  /** How long to wait for the device to enroll, from the start of the onboarding (ISO 8601 duration). */
  enrollmentDeadline: string;
}

export interface DeviceKey {
  tenantId: string;
  serialNumber: string;
}

export type ImportStatus =
  | { state: 'pending' }
  /** Imported and registered; the Autopilot device and its Entra device id, as the watcher saw them. */
  | { state: 'complete'; autopilotDeviceId?: string; azureADDeviceId?: string }
  /** Registered to this tenant already (before this order, or Autopilot said so): nothing to import. */
  | { state: 'alreadyRegistered'; autopilotDeviceId?: string; azureADDeviceId?: string }
  | { state: 'registeredToAnotherTenant'; errorCode: number; errorName: string }
  | { state: 'failed'; errorCode: number; errorName: string };

export interface ProfileAssignment {
  profileId: string;
  profileName: string;
}

export type Enrollment =
  | { enrolled: false; state: string }
  | { enrolled: true; managedDeviceId: string; azureADDeviceId: string };

export interface EnrolledDevice extends DeviceKey {
  managedDeviceId: string;
  azureADDeviceId: string;
}

/**
 * A remediation acts on a device for an orchestration: the instance and the start of its run are named so that the
 * audit record says so, once per run (a restarted instance runs again under the same id).
 */
export interface RemediationInput extends EnrolledDevice {
  instanceId: string;
  runStartedAt: string;
}

export interface EncryptionState {
  encrypted: boolean;
  tpmPresent: boolean;
  recoveryKeyEscrowed: boolean;
}

export interface DefenderState {
  onboarded: boolean;
  active: boolean;
  signaturesCurrent: boolean;
  signatureVersion?: string;
}

export type LicenceResult =
  | { kind: 'assigned' | 'alreadyLicensed' }
  | { kind: 'noSeats'; enabled: number; consumed: number }
  | { kind: 'userNotFound' };

export interface RingAssignment {
  ring: UpdateRing;
  groupId: string;
}

/** What a device can wait for; the tenant's watcher reads each in bulk. */
export const waitKinds = ['import', 'enrollment', 'encryption', 'defender'] as const;
export type WaitKind = (typeof waitKinds)[number];

/** The order line the watcher imports into Autopilot for a device waiting on its import. */
export interface ImportEntry {
  orderId: string;
  hardwareHash: string;
  groupTag: string;
  assignedUserPrincipalName: string;
}

/**
 * A device telling its tenant's watcher what it waits for. `waitId` names this one wait (a device waits on the
 * same kind twice around a remediation): the watcher echoes it, and the device ignores an event for another wait.
 */
export interface WaitRegistration extends DeviceKey {
  instanceId: string;
  waitId: string;
  kind: WaitKind;
  /** ISO time past which the device stops waiting (its own durable timer decides; the watcher only paces by it). */
  deadline: string;
  /** ISO orchestration time the wait began (the watcher paces itself by the age of its waits). */
  since: string;
  import?: ImportEntry;
  device?: { managedDeviceId: string; azureADDeviceId: string };
}

/** What the watcher saw of the state a device waits on. */
export type ObservedState =
  | { kind: 'import'; status: ImportStatus }
  | { kind: 'enrollment'; enrollment: Enrollment }
  | { kind: 'encryption'; encryption: EncryptionState }
  | { kind: 'defender'; defender: DefenderState };

/** The external event the watcher raises to a waiting device orchestration when that state changed: one name a wait. */
export function deviceStateEventName(waitId: string): string {
  return `deviceState:${waitId}`;
}
export interface DeviceStateEvent {
  waitId: string;
  observed: ObservedState;
}

/** The tenant's watcher: one eternal orchestration per tenant while any of its devices waits. */
export const watchOrchestration = 'watchTenantOnboardings';
export function watcherInstanceId(tenantId: string): string {
  return `watch:${tenantId.toLowerCase()}`;
}

export interface WatchInput {
  tenantId: string;
  /** Rounds run by earlier generations (continueAsNew), for status only. */
  rounds: number;
  /** The delay before the next round, as the last round chose it. */
  delayMs: number;
}

/** What one round of the watcher did, small enough for history; the waiting devices themselves stay in Cosmos. */
export interface WatchRoundSummary {
  waiting: number;
  byKind: Partial<Record<WaitKind, number>>;
  raised: number;
  imported: number;
  /** Listing pages read (Graph and Defender): what a round costs. */
  pages: number;
  /** A source was throttled or down this round; the watcher backs off. */
  degraded: boolean;
  /** The longest Retry-After a throttled read of this round asked for: the next round waits at least this long. */
  retryAfterMs?: number;
  /** When the next round should run, chosen from what waits and what the round cost. */
  nextDelayMs: number;
}

export const onboardingActivities = declareActivities({
  /** Registers what the device waits for and makes sure its tenant's watcher runs. */
  awaitDeviceState: activity<WaitRegistration, void>(),
  assignDeploymentProfile: activity<
    DeviceKey & { groupTag: string; azureADDeviceId?: string },
    ProfileAssignment
  >(),
  remediateEncryption: activity<RemediationInput, void>(),
  remediateDefender: activity<RemediationInput, void>(),
  ensureE5Licence: activity<{ tenantId: string; userPrincipalName: string }, LicenceResult>(),
  assignUpdateRing: activity<EnrolledDevice, RingAssignment>(),
  recordOnboarding: activity<OnboardingRecordInput, void>(),
});

export const watchActivities = declareActivities({
  /** Reads what the tenant's devices wait on, in bulk; imports what is to import; raises an event per change. */
  watchRound: activity<
    { tenantId: string; watcherInstanceId: string; lastDelayMs: number; now: string },
    WatchRoundSummary
  >(),
  /** Stops the watcher if nothing waits, in two phases against a registration racing it (see WaitStore). */
  concludeWatch: activity<{ tenantId: string }, { stopped: boolean }>(),
});

export const onboardingSteps = [
  'autopilotImport',
  'deploymentProfile',
  'enrollment',
  'encryption',
  'defender',
  'licence',
  'updateRing',
] as const;
export type OnboardingStep = (typeof onboardingSteps)[number];

export interface StepRecord {
  step: OnboardingStep;
  outcome: 'succeeded' | 'remediated' | 'failed';
  startedAt: string;
  endedAt: string;
  detail?: string;
}

export const failureReasons = [
  'registeredToAnotherTenant',
  'importFailed',
  'enrollmentTimedOut',
  'encryptionNotVerified',
  'defenderNotHealthy',
  'noLicenceSeats',
  'userNotFound',
  /** An activity failed in a way no retry cures (a refusal by Graph, a tenant not provisioned). */
  'stepFailed',
  /** Retries ran out or something unforeseen broke; the detail says what. */
  'unexpectedError',
] as const;
export type FailureReason = (typeof failureReasons)[number];

export type OnboardingOutcome =
  | { status: 'onboarded'; managedDeviceId: string; azureADDeviceId: string; ring: UpdateRing }
  | {
      status: 'failed';
      reason: FailureReason;
      detail: string;
      managedDeviceId?: string;
      azureADDeviceId?: string;
    };

/** The device's security state as the run last saw it. */
export interface ObservedSecurity {
  encryption?: EncryptionState;
  defender?: DefenderState;
  licence?: LicenceResult['kind'];
}

export interface OnboardingRecordInput {
  instanceId: string;
  request: OnboardingRequest;
  steps: StepRecord[];
  observed: ObservedSecurity;
  outcome: OnboardingOutcome;
  startedAt: string;
  endedAt: string;
}
