import { type ServiceBusSender } from '@azure/service-bus';
import { type TenantRecord } from '../domain/tenant';
import { type ImplementationsOf } from '../platform/activity-registration';
import { publishDeviceEvent } from '../platform/cloud-events';
import { type TenantApis } from '../platform/graph/tenant-clients';
import { type TenantStore } from '../tenants/store';
import { type onboardingActivities } from './contract';
import { onboardingEvent } from './events';
import { type OnboardingStore } from './store';
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
  tenants: Pick<TenantStore, 'active'>;
  tenantApis(tenant: TenantRecord): Promise<TenantApis>;
  onboardings: OnboardingStore;
  deviceEvents: ServiceBusSender;
}

type Implementations = ImplementationsOf<typeof onboardingActivities>;

/** Each onboarding activity: look the tenant up, take its clients, do one step. */
export function onboardingImplementations(services: OnboardingServices): Implementations {
  const apis = async (tenantId: string): Promise<TenantApis & { tenant: TenantRecord }> => {
    // A suspension stops every onboarding in flight at its next step: nothing more is done in that tenant.
    const tenant = await services.tenants.active(tenantId);
    return { tenant, ...(await services.tenantApis(tenant)) };
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
      await services.onboardings.record(input);
      await publishDeviceEvent(services.deviceEvents, onboardingEvent(input));
    },
  };
}
