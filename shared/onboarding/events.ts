import { type UpdateRing } from '../domain/tenant';
import { type DeviceEvent, deviceEvent } from '../platform/cloud-events';
import { deviceEventTypes } from '../platform/declarations';
import { type OnboardingRecordInput } from './contract';

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
        { ...base, reason: outcome.reason, detail: outcome.detail, failedAt: input.endedAt },
        input.endedAt,
        uniqueBy,
      );
}
