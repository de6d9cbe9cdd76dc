import { type ServiceBusSender } from '@azure/service-bus';
import { type TenantRecord } from '../domain/tenant';
import { ForbiddenError } from '../errors';
import { type ImplementationsOf } from '../durable/register-activity';
import { type TenantApis } from '../graph/tenant-clients';
import {
  type DeviceEvent,
  deviceEvent,
  deviceEventTypes,
  type DeviceOnboardedData,
  type DeviceOnboardingFailedData,
  publishDeviceEvent,
} from '../messaging/device-events';
import { type OnboardingStore } from '../stores/onboarding-store';
import { type TenantStore } from '../stores/tenant-store';
import { type onboardingActivities, type OnboardingRecordInput } from './activities';
import { assignDeploymentProfile, getAutopilotImportStatus, submitAutopilotImport } from './steps/autopilot';
import {
  getDefenderState,
  getEncryptionState,
  getEnrollment,
  remediateDefender,
  remediateEncryption,
} from './steps/device-state';
import { ensureE5Licence } from './steps/licence';
import { assignUpdateRing } from './steps/update-ring';

export interface OnboardingServices {
  tenants: TenantStore;
  tenantApis(tenant: TenantRecord): Promise<TenantApis>;
  onboardings: OnboardingStore;
  deviceEvents: ServiceBusSender;
}

type Implementations = ImplementationsOf<typeof onboardingActivities>;

/** Each onboarding activity: look the tenant up, take its clients, do one step. Services are built on first use. */
export function onboardingImplementations(services: () => OnboardingServices): Implementations {
  const apis = async (tenantId: string): Promise<TenantApis & { tenant: TenantRecord }> => {
    const s = services();
    const tenant = await s.tenants.get(tenantId);
    // A suspension stops every onboarding in flight at its next step: nothing more is done in that tenant.
    if (tenant.status === 'suspended')
      throw new ForbiddenError(`Tenant ${tenantId} is suspended; no further changes are made in it.`);
    return { tenant, ...(await s.tenantApis(tenant)) };
  };
  return {
    submitAutopilotImport: async (request) =>
      submitAutopilotImport((await apis(request.tenantId)).graph, request),
    getAutopilotImportStatus: async (input) =>
      getAutopilotImportStatus(
        (await apis(input.tenantId)).graph,
        input.importedDeviceId,
        input.serialNumber,
      ),
    assignDeploymentProfile: async (input) =>
      assignDeploymentProfile((await apis(input.tenantId)).graph, input.serialNumber),
    getEnrollment: async (input) => getEnrollment((await apis(input.tenantId)).graph, input.serialNumber),
    getEncryptionState: async (device) => getEncryptionState((await apis(device.tenantId)).graph, device),
    remediateEncryption: async (device) => remediateEncryption((await apis(device.tenantId)).graph, device),
    getDefenderState: async (device) => getDefenderState(await apis(device.tenantId), device),
    remediateDefender: async (device) => remediateDefender((await apis(device.tenantId)).graph, device),
    ensureE5Licence: async (input) => {
      const { graph, tenant } = await apis(input.tenantId);
      return ensureE5Licence(graph, input.userPrincipalName, tenant.defaultUsageLocation);
    },
    assignUpdateRing: async (device) => {
      const { graph, tenant } = await apis(device.tenantId);
      return assignUpdateRing(graph, tenant, device);
    },
    recordOnboarding: async (input) => {
      const s = services();
      await s.onboardings.record(input);
      const event: DeviceEvent<{ tenantId: string }> = onboardingEvent(input);
      await publishDeviceEvent(s.deviceEvents, event);
    },
  };
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
