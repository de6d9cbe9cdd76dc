import { type InvocationContext } from '@azure/functions';
import { type ServiceBusSender } from '@azure/service-bus';
import { type DurableClient } from 'durable-functions';
import { type TenantRecord } from '../domain/tenant';
import { type ImplementationsOf } from '../platform/activity-registration';
import { publishDeviceEvent } from '../platform/cloud-events';
import { type TenantApis } from '../platform/graph/tenant-clients';
import { type TenantStore } from '../tenants/store';
import { type onboardingActivities, type watchActivities } from './contract';
import { onboardingEvent } from './events';
import { type OnboardingStore } from './store';
import { assignDeploymentProfile } from './steps/autopilot';
import { remediateDefender, remediateEncryption } from './steps/device-state';
import { watchRound } from './watcher/round';
import { registerWait } from './watcher/start-watcher';
import { type WaitStore } from './watcher/wait-store';
import { ensureE5Licence } from './steps/licence';
import { assignUpdateRing } from './steps/update-ring';

export interface OnboardingServices {
  tenants: Pick<TenantStore, 'active'>;
  tenantApis(tenant: TenantRecord): Promise<TenantApis>;
  onboardings: OnboardingStore;
  waits: WaitStore;
  deviceEvents: ServiceBusSender;
  /** The Durable client of the invocation (activities that use it are registered with its input binding). */
  durableClient(context: InvocationContext): DurableClient;
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
    awaitDeviceState: async (registration, context) => {
      await services.tenants.active(registration.tenantId);
      await registerWait(services.waits, services.durableClient(context), registration);
    },
    assignDeploymentProfile: async (input) =>
      assignDeploymentProfile((await apis(input.tenantId)).graph, input.serialNumber, input.azureADDeviceId),
    remediateEncryption: async (device) => remediateEncryption((await apis(device.tenantId)).graph, device),
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
      await services.waits.remove(input.request.tenantId, input.request.serialNumber);
      await publishDeviceEvent(services.deviceEvents, onboardingEvent(input));
    },
  };
}

/** The tenant watcher's activities: a round over every waiting device, and the guarded stop. */
export function watchImplementations(
  services: Omit<OnboardingServices, 'onboardings' | 'deviceEvents'>,
): ImplementationsOf<typeof watchActivities> {
  return {
    watchRound: async (input, context) => {
      const tenant = await services.tenants.active(input.tenantId);
      await services.waits.confirmRunning(input.tenantId);
      return watchRound(
        {
          waits: services.waits,
          apis: await services.tenantApis(tenant),
          client: services.durableClient(context),
        },
        input,
      );
    },
    concludeWatch: (input) => services.waits.concludeWatch(input.tenantId),
  };
}
