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

export type ImportSubmission =
  | { kind: 'submitted'; importedDeviceId: string }
  /** The device is already a registered Autopilot device of this tenant: nothing to import. */
  | { kind: 'alreadyRegistered'; autopilotDeviceId: string };

export type ImportStatus =
  | { state: 'pending' }
  | { state: 'complete'; autopilotDeviceId?: string }
  | { state: 'alreadyRegistered' }
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

export const onboardingActivities = declareActivities({
  submitAutopilotImport: activity<OnboardingRequest, ImportSubmission>(),
  getAutopilotImportStatus: activity<DeviceKey & { importedDeviceId: string }, ImportStatus>(),
  assignDeploymentProfile: activity<DeviceKey & { groupTag: string }, ProfileAssignment>(),
  getEnrollment: activity<DeviceKey, Enrollment>(),
  getEncryptionState: activity<EnrolledDevice, EncryptionState>(),
  remediateEncryption: activity<EnrolledDevice, void>(),
  getDefenderState: activity<EnrolledDevice, DefenderState>(),
  remediateDefender: activity<EnrolledDevice, void>(),
  ensureE5Licence: activity<{ tenantId: string; userPrincipalName: string }, LicenceResult>(),
  assignUpdateRing: activity<EnrolledDevice, RingAssignment>(),
  recordOnboarding: activity<OnboardingRecordInput, void>(),
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
