import { type InvocationContext } from '@azure/functions';
import { type ServiceBusSender } from '@azure/service-bus';
import { type DurableClient } from 'durable-functions';
import { type AuditOutcome, type AuditPort } from '../audit/contract';
import { type TenantRecord } from '../domain/tenant';
import { AppError, isRetryable } from '../errors';
import { invocationLog } from '../logging';
import { type ImplementationsOf } from '../platform/activity-registration';
import { publishDeviceEvent } from '../platform/cloud-events';
import { type TenantApis } from '../platform/graph/tenant-clients';
import { type TenantStore } from '../tenants/store';
import { remediationEvent, type remediations } from './audit-events';
import { type onboardingActivities, type RemediationInput, type watchActivities } from './contract';
import { onboardingEvent } from './events';
import { type OnboardingStore } from './store';
import { assignDeploymentProfile } from './steps/autopilot';
import { getDeviceNames, remediateDefender, remediateEncryption } from './steps/device-state';
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
  audit: AuditPort;
  now?: () => Date;
}

type Implementations = ImplementationsOf<typeof onboardingActivities>;

/** Each onboarding activity: look the tenant up, take its clients, do one step. */
export function onboardingImplementations(services: OnboardingServices): Implementations {
  const apis = async (tenantId: string): Promise<TenantApis & { tenant: TenantRecord }> => {
    // A suspension stops every onboarding in flight at its next step: nothing more is done in that tenant.
    const tenant = await services.tenants.active(tenantId);
    return { tenant, ...(await services.tenantApis(tenant)) };
  };
  const now = services.now ?? (() => new Date());
  /**
   * A remediation acts, then records what it did. When the record cannot be accepted the activity fails with a
   * retryable error, and its retry acts again (a sync, a key rotation, a signature update: repeating one is harmless)
   * and records under the same event id, so the trail ends up with exactly one record. A failure that a retry
   * cures is not recorded (the retry will be); a permanent one is, as `failed`.
   */
  const remediation = async (
    functionName: keyof typeof remediations,
    input: RemediationInput,
    context: InvocationContext,
    act: (graph: TenantApis['graph']) => Promise<void>,
  ): Promise<void> => {
    const { graph } = await apis(input.tenantId);
    const log = invocationLog(context, { tenantId: input.tenantId, instanceId: input.instanceId });
    let result: { outcome: AuditOutcome; errorCode?: string } = { outcome: 'succeeded' };
    let failure: AppError | undefined;
    try {
      await act(graph);
    } catch (error) {
      if (isRetryable(error) || !(error instanceof AppError)) throw error;
      result = { outcome: 'failed', errorCode: error.code };
      failure = error;
    }
    // The names go to the customer's side of the trail only; without them the record still names the device by id.
    const names = await getDeviceNames(graph, input).catch(() => ({}));
    await services.audit.record(
      remediationEvent(functionName, input, result, names, { invocationId: context.invocationId }, now()),
    );
    log.info(`${functionName} on device ${input.serialNumber}: ${result.outcome}, audited`);
    if (failure) throw failure;
  };
  return {
    awaitDeviceState: async (registration, context) => {
      await services.tenants.active(registration.tenantId);
      await registerWait(services.waits, services.durableClient(context), registration);
    },
    assignDeploymentProfile: async (input) =>
      assignDeploymentProfile((await apis(input.tenantId)).graph, input.serialNumber, input.azureADDeviceId),
    remediateEncryption: (input, context) =>
      remediation('remediateEncryption', input, context, (graph) => remediateEncryption(graph, input)),
    remediateDefender: (input, context) =>
      remediation('remediateDefender', input, context, (graph) => remediateDefender(graph, input)),
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
  services: Omit<OnboardingServices, 'onboardings' | 'deviceEvents' | 'audit' | 'now'>,
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
