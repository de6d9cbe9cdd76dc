import { type UpdateRing } from '../domain/tenant';
import { type DeviceEvent, deviceEvent } from '../platform/cloud-events';
import { deviceEventTypes } from '../platform/declarations';
import { type FailureReason, type OnboardingRecordInput } from './contract';

/**
 * The `detail` of a `device.onboardingFailed` event: one fixed text per reason. Events leave the service for other
 * systems; a failure's own text (which may name a Graph path or a service's message) stays in the onboarding
 * record, and the event carries only ids and states.
 */
export const failureDetails: Record<FailureReason, string> = {
  registeredToAnotherTenant: 'Autopilot refused the import: the device is registered to another tenant.',
  importFailed: 'Autopilot did not import the device.',
  enrollmentTimedOut: 'The device did not enroll before the enrollment deadline.',
  encryptionNotVerified:
    'BitLocker with TPM and an escrowed recovery key was not verified after remediation.',
  defenderNotHealthy: 'Defender for Endpoint was not healthy after remediation.',
  noLicenceSeats: 'No free E5 seats in the tenant.',
  userNotFound: 'The assigned user does not exist in the tenant.',
  stepFailed: 'A step was refused in a way no retry cures.',
  unexpectedError: 'A step kept failing after its retries; a re-sent order starts the device again.',
};

export interface DeviceOnboardedData {
  tenantId: string;
  serialNumber: string;
  orderId: string;
  instanceId: string;
  managedDeviceId: string;
  azureADDeviceId: string;
  ring: UpdateRing;
  completedAt: string;
}

export interface DeviceOnboardingFailedData {
  tenantId: string;
  serialNumber: string;
  orderId: string;
  instanceId: string;
  reason: string;
  detail: string;
  failedAt: string;
}

/** The event that tells the rest of the estate how a run ended; its id is stable per run. */
export function onboardingEvent(
  input: OnboardingRecordInput,
): DeviceEvent<DeviceOnboardedData> | DeviceEvent<DeviceOnboardingFailedData> {
  const { request, outcome } = input;
  const base = {
    tenantId: request.tenantId,
    serialNumber: request.serialNumber,
    orderId: request.orderId,
    instanceId: input.instanceId,
  };
  const uniqueBy = [input.instanceId, input.startedAt];
  return outcome.status === 'onboarded'
    ? deviceEvent(
        deviceEventTypes.onboarded,
        {
          ...base,
          managedDeviceId: outcome.managedDeviceId,
          azureADDeviceId: outcome.azureADDeviceId,
          ring: outcome.ring,
          completedAt: input.endedAt,
        },
        input.endedAt,
        uniqueBy,
      )
    : deviceEvent(
        deviceEventTypes.onboardingFailed,
        { ...base, reason: outcome.reason, detail: failureDetails[outcome.reason], failedAt: input.endedAt },
        input.endedAt,
        uniqueBy,
      );
}
