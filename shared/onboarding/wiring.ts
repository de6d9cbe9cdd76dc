import { type HttpHandler, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { type AuditPort } from '../audit/contract';
import { type AppConfig } from '../config';
import { type ImplementationsOf } from '../platform/activity-registration';
import { queueNames, topicNames } from '../platform/declarations';
import { type Platform } from '../platform';
import { lazy } from '../platform/lazy';
import { requestPathSendTimeoutMs } from '../platform/servicebus';
import { type TenantStore } from '../tenants/store';
import { onboardingImplementations, watchImplementations } from './activities';
import { type onboardingActivities, type watchActivities } from './contract';
import { type DeviceOrder, onboardingInstanceId } from './device-order';
import { type DeliveryRef, enqueueOnboardings, onboardingRequests } from './order-queue';
import { startOnboardingHandler } from './start-handler';
import { onboardingView, type OnboardingView } from './status';
import { OnboardingStore } from './store';
import { WaitStore } from './watcher/wait-store';
import { DeliveryStore } from './webhook/delivery-store';
import { autopilotWebhookHandler } from './webhook/handler';
import { webhookSecretReader } from './webhook/secrets';

export interface OnboardingCapability {
  readonly store: OnboardingStore;
  readonly deliveries: DeliveryStore;
  /** `POST /api/autopilot/webhook`. */
  readonly webhook: HttpHandler;
  /** The `device-orders` queue trigger. */
  readonly startFromQueue: (message: unknown, context: InvocationContext) => Promise<void>;
  readonly activities: ImplementationsOf<typeof onboardingActivities>;
  /** The tenant watcher's activities. */
  readonly watchActivities: ImplementationsOf<typeof watchActivities>;
  /** What each device waits for, and each tenant's watcher state. */
  readonly waits: WaitStore;
  /**
   * Puts one start per device of an order on the same queue the webhook uses; the tenant's state is the caller's
   * to check. Answers each device's instance id.
   */
  readonly startOrder: (
    order: DeviceOrder,
    acceptedAt: string,
    /** What identifies the request, so that each of its messages has an id of its own (see orderMessageId). */
    delivery: DeliveryRef,
  ) => Promise<{ serialNumber: string; instanceId: string }[]>;
  /** One device's onboarding as it runs (durable status) joined with its record; undefined when neither exists. */
  readonly status: (
    context: InvocationContext,
    tenantId: string,
    serialNumber: string,
  ) => Promise<OnboardingView | undefined>;
}

export type OnboardingPlatform = Pick<
  Platform,
  'container' | 'sender' | 'requestSender' | 'secrets' | 'tenantClients'
>;
export type OnboardingConfig = Pick<
  AppConfig,
  'ENROLLMENT_DEADLINE' | 'WEBHOOK_MAX_BODY_BYTES' | 'WEBHOOK_SOURCES'
>;

export function onboardingWiring(
  platform: OnboardingPlatform,
  tenants: TenantStore,
  config: OnboardingConfig,
  audit: AuditPort,
): OnboardingCapability {
  const onboarding: OnboardingCapability = lazy<OnboardingCapability>({
    store: () => new OnboardingStore(platform.container('onboardings'), platform.container('devices')),
    deliveries: () => new DeliveryStore(platform.container('webhookDeliveries')),
    webhook: () => {
      const webhookSecret = webhookSecretReader(platform.secrets, config.WEBHOOK_SOURCES);
      return autopilotWebhookHandler({
        webhookSecret,
        activeTenant: (id) => tenants.active(id),
        deliveries: onboarding.deliveries,
        // The request path's sender: Service Bus unreachable answers 503 within seconds, not minutes.
        enqueue: (requests, delivery) =>
          enqueueOnboardings(platform.requestSender(queueNames.deviceOrders), requests, delivery, {
            abortSignal: AbortSignal.timeout(requestPathSendTimeoutMs),
          }),
        enrollmentDeadline: config.ENROLLMENT_DEADLINE,
        maxBodyBytes: config.WEBHOOK_MAX_BODY_BYTES,
        now: Date.now,
      });
    },
    startFromQueue: () => startOnboardingHandler((context) => df.getClient(context), audit),
    waits: () => new WaitStore(platform.container('onboardingWaits')),
    startOrder: () => async (order, acceptedAt, delivery) => {
      const requests = onboardingRequests(order, acceptedAt, config.ENROLLMENT_DEADLINE);
      // The request path's sender, as the webhook's: Service Bus unreachable answers 503 within seconds.
      await enqueueOnboardings(platform.requestSender(queueNames.deviceOrders), requests, delivery, {
        abortSignal: AbortSignal.timeout(requestPathSendTimeoutMs),
      });
      return requests.map((r) => ({
        serialNumber: r.serialNumber,
        instanceId: onboardingInstanceId(r.tenantId, r.serialNumber),
      }));
    },
    status: () => (context, tenantId, serialNumber) =>
      onboardingView(df.getClient(context), onboarding.store, tenantId, serialNumber),
    activities: () =>
      onboardingImplementations({
        tenants,
        tenantApis: (tenant) => platform.tenantClients.forTenant(tenant),
        onboardings: onboarding.store,
        waits: onboarding.waits,
        deviceEvents: platform.sender(topicNames.deviceEvents),
        audit,
        durableClient: (context) => df.getClient(context),
      }),
    watchActivities: () =>
      watchImplementations({
        tenants,
        tenantApis: (tenant) => platform.tenantClients.forTenant(tenant),
        waits: onboarding.waits,
        durableClient: (context) => df.getClient(context),
      }),
  });
  return onboarding;
}
