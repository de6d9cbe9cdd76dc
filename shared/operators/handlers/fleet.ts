import { type InvocationContext } from '@azure/functions';
import { type AuditPort } from '../../audit/contract';
import { deviceHealth } from '../../domain/device-health';
import { requireActive } from '../../tenants/store';
import { ConflictError, IdempotencyKeyReusedError, NotFoundError } from '../../errors';
import { onboardingStatusPath } from '../../onboarding/contract';
import { type DeviceOrder } from '../../onboarding/device-order';
import { type OnboardingView } from '../../onboarding/status';
import { type DeviceDocument, type OnboardingDocument, type OnboardingStore } from '../../onboarding/store';
import { type Page } from '../../platform/cosmos/paging';
import { audited, auditEvent, type OperatorApiImplementations } from '../endpoint';
import { IdempotencyStore } from '../idempotency-store';
import { type TenantHandlerDependencies, visibleTenant } from './tenants';

export interface FleetDependencies {
  tenants: TenantHandlerDependencies['tenants'];
  onboardings: Pick<OnboardingStore, 'get' | 'device' | 'devicesPage' | 'onboardingsPage'>;
  startOrder(
    order: DeviceOrder,
    acceptedAt: string,
    delivery: { source: string; deliveryId: string },
  ): Promise<{ serialNumber: string; instanceId: string }[]>;
  status(
    context: InvocationContext,
    tenantId: string,
    serialNumber: string,
  ): Promise<OnboardingView | undefined>;
  idempotency: Pick<IdempotencyStore, 'claim' | 'complete' | 'release'>;
  /** The device's telemetry from every source, by its Intune id. */
  deviceTelemetry(tenantId: string, managedDeviceId: string): Promise<unknown>;
  audit: AuditPort;
  now(): Date;
}

type FleetHandlers = Pick<
  OperatorApiImplementations,
  'listDevices' | 'getDevice' | 'listOnboardings' | 'getOnboarding' | 'startOnboardings'
>;

/** What the API shows of a device: its stored state without Cosmos's own fields. */
function deviceView(device: DeviceDocument) {
  return {
    serialNumber: device.serialNumber,
    ...(device.managedDeviceId ? { managedDeviceId: device.managedDeviceId } : {}),
    ...(device.azureADDeviceId ? { azureADDeviceId: device.azureADDeviceId } : {}),
    ...(device.updateRing ? { updateRing: device.updateRing } : {}),
    onboardingStatus: device.onboardingStatus,
    health: device.health ?? deviceHealth(device.security),
    security: device.security,
    updatedAt: device.updatedAt,
  };
}

function onboardingRecordView(record: OnboardingDocument) {
  return {
    serialNumber: record.serialNumber,
    orderId: record.orderId,
    instanceId: record.instanceId,
    status: record.status,
    ...(record.reason ? { reason: record.reason } : {}),
    ...(record.detail ? { detail: record.detail } : {}),
    steps: record.steps,
    startedAt: record.startedAt,
    endedAt: record.endedAt,
  };
}

function page<T, V>(result: Page<T>, view: (item: T) => V) {
  return {
    items: result.items.map(view),
    ...(result.continuationToken ? { continuationToken: result.continuationToken } : {}),
  };
}

export function fleetHandlers(deps: FleetDependencies): FleetHandlers {
  return {
    listDevices: async ({ params, query }) => {
      await visibleTenant(deps.tenants, params.tenantId);
      const result = await deps.onboardings.devicesPage(
        params.tenantId,
        { health: query.health, ring: query.ring },
        { pageSize: query.pageSize, continuationToken: query.continuationToken },
      );
      return { status: 200, jsonBody: page(result, deviceView) };
    },
    getDevice: async ({ params }) => {
      await visibleTenant(deps.tenants, params.tenantId);
      const [device, onboarding] = await Promise.all([
        deps.onboardings.device(params.tenantId, params.serialNumber),
        deps.onboardings.get(params.tenantId, params.serialNumber),
      ]);
      if (!device) throw new NotFoundError(`Device ${params.serialNumber} is not known in this tenant.`);
      const telemetry = device.managedDeviceId
        ? await deps.deviceTelemetry(params.tenantId, device.managedDeviceId)
        : undefined;
      return {
        status: 200,
        jsonBody: {
          ...deviceView(device),
          ...(onboarding ? { onboarding: onboardingRecordView(onboarding) } : {}),
          ...(telemetry ? { telemetry } : {}),
        },
      };
    },
    listOnboardings: async ({ params, query }) => {
      await visibleTenant(deps.tenants, params.tenantId);
      const result = await deps.onboardings.onboardingsPage(
        params.tenantId,
        { status: query.status, reason: query.reason },
        { pageSize: query.pageSize, continuationToken: query.continuationToken },
      );
      return { status: 200, jsonBody: page(result, onboardingRecordView) };
    },
    getOnboarding: async ({ params, context }) => {
      await visibleTenant(deps.tenants, params.tenantId);
      const view = await deps.status(context, params.tenantId, params.serialNumber);
      if (!view) throw new NotFoundError(`No onboarding of ${params.serialNumber} is known in this tenant.`);
      return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: view };
    },
    startOnboardings: async ({ caller, params, headers, body, request, context }) => {
      const tenant = requireActive(params.tenantId, await visibleTenant(deps.tenants, params.tenantId));
      const key = headers['idempotency-key'];
      const order: DeviceOrder = {
        tenantId: tenant.id,
        // Order ids hold at most 128 characters; a long key is represented by its hash.
        orderId:
          body.orderId ??
          (key.length <= 119
            ? `operator-${key}`
            : `operator-${IdempotencyStore.requestHash(key).slice(0, 40)}`),
        devices: body.devices,
      };
      const recordId = IdempotencyStore.key({
        operation: 'startOnboardings',
        oid: caller.principal.oid,
        key,
      });
      const requestHash = IdempotencyStore.requestHash(order);
      const claim = await deps.idempotency.claim(tenant.id, recordId, requestHash);
      if (claim.kind === 'replay')
        return {
          status: claim.answer.status,
          jsonBody: claim.answer.body,
          headers: { 'idempotent-replayed': 'true' },
        };
      if (claim.kind === 'mismatch')
        throw new IdempotencyKeyReusedError('This Idempotency-Key was used for a different request.');
      if (claim.kind === 'inProgress')
        throw new ConflictError(
          'A request with this Idempotency-Key is still being answered; repeat it shortly.',
        );

      try {
        const event = auditEvent('onboarding.start', caller, context, deps.now(), {
          id: `onboarding.start:${recordId}`,
          outcome: 'succeeded',
          tenantId: tenant.id,
          target: { type: 'onboarding', id: order.orderId },
          reason: `${order.devices.length} device(s)`,
        });
        const started = await audited(deps.audit, event, context, () =>
          deps.startOrder(order, deps.now().toISOString(), { source: 'operator-api', deliveryId: recordId }),
        );
        const answer = {
          status: 202,
          body: {
            tenantId: tenant.id,
            orderId: order.orderId,
            devices: started.map((d) => ({
              ...d,
              statusUrl: new URL(onboardingStatusPath(tenant.id, d.serialNumber), request.url).toString(),
            })),
          },
        };
        await deps.idempotency.complete(tenant.id, recordId, requestHash, answer);
        context.log(
          `Operator ${caller.principal.oid} queued ${started.length} onboarding(s) in tenant ${tenant.id}`,
        );
        return { status: answer.status, jsonBody: answer.body };
      } catch (error) {
        // Nothing was answered: the claim is given back so that the operator's retry runs the request again.
        await deps.idempotency
          .release(tenant.id, recordId)
          .catch((releaseError: unknown) =>
            context.error('Could not release an idempotency claim', releaseError),
          );
        throw error;
      }
    },
  };
}
