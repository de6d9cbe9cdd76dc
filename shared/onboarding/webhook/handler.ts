import { z } from 'zod';
import { type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { type TenantRecord } from '../../domain/tenant';
import { AppError, DependencyUnavailableError, PayloadTooLargeError, UnauthorizedError } from '../../errors';
import { toProblemResponse } from '../../http/problem';
import { invocationLog } from '../../logging';
import { parseJson, parseOrThrow } from '../../validation';
import { onboardingStatusPath, type OnboardingRequest } from '../contract';
import { deviceOrderSchema, onboardingInstanceId } from '../device-order';
import { type DeliveryRef } from '../order-queue';
import { type DeliveryStore } from './delivery-store';
import { verifyDelivery, webhookHeaders } from './signature';

export interface WebhookDependencies {
  /** The HMAC key of a source, or undefined for a source we do not know. */
  webhookSecret(source: string): Promise<string | undefined>;
  /** The tenant when it accepts orders; refuses an unknown or provisioning one (404) and a suspended one (403). */
  activeTenant(tenantId: string): Promise<TenantRecord>;
  deliveries: DeliveryStore;
  /** Puts one message per device on the orders queue; all or nothing from the caller's point of view. */
  enqueue(requests: OnboardingRequest[], delivery: DeliveryRef): Promise<void>;
  enrollmentDeadline: string;
  maxBodyBytes: number;
  now(): number;
}

/** What identifies a delivery; anything else is refused before a secret is even looked up. */
const deliveryHeadersSchema = z.object({
  source: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/),
  deliveryId: z.string().regex(/^[A-Za-z0-9._:-]{8,128}$/),
});

/**
 * `POST /api/autopilot/webhook`: authenticate the delivery, validate the order, queue one start per device and
 * answer 202 with where to follow each device. Orchestrations start from the queue, so a burst of orders is taken
 * in at the speed of a queue write, and a failure after the claim gives the claim back so the sender's retry works.
 */
export function autopilotWebhookHandler(deps: WebhookDependencies) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    try {
      return await accept(deps, request, context);
    } catch (error) {
      return toProblemResponse(error, request, context);
    }
  };
}

async function accept(
  deps: WebhookDependencies,
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const declaredLength = Number(request.headers.get('content-length') ?? '0');
  if (declaredLength > deps.maxBodyBytes)
    throw new PayloadTooLargeError(`The body exceeds ${deps.maxBodyBytes} bytes.`);
  const rawBody = Buffer.from(await request.arrayBuffer());
  if (rawBody.length > deps.maxBodyBytes)
    throw new PayloadTooLargeError(`The body exceeds ${deps.maxBodyBytes} bytes.`);

  const headers = deliveryHeadersSchema.safeParse({
    source: request.headers.get(webhookHeaders.source),
    deliveryId: request.headers.get(webhookHeaders.delivery),
  });
  if (!headers.success) {
    throw new UnauthorizedError(
      `Deliveries must carry ${webhookHeaders.source} and ${webhookHeaders.delivery} headers.`,
    );
  }
  const { source, deliveryId } = headers.data;
  const secret = await deps.webhookSecret(source);
  const verdict = secret
    ? verifyDelivery(
        {
          signature: request.headers.get(webhookHeaders.signature),
          timestamp: request.headers.get(webhookHeaders.timestamp),
          deliveryId,
          rawBody,
        },
        secret,
        deps.now(),
      )
    : ({ ok: false, reason: 'unknownSource' } as const);
  if (!verdict.ok) {
    invocationLog(context).warn(`Refused webhook delivery ${deliveryId} from ${source}: ${verdict.reason}`);
    throw new UnauthorizedError(
      'The delivery signature is missing, wrong or outside the allowed time window.',
    );
  }

  const order = parseOrThrow(deviceOrderSchema, parseJson(rawBody, 'device order'), 'device order');
  await deps.activeTenant(order.tenantId);

  const acceptedAt = new Date(deps.now()).toISOString();
  // Ids differing only in case are one delivery: a sender cannot dodge the replay check by re-casing an id.
  const claimId = deliveryId.toLowerCase();
  const claimed = await deps.deliveries.claim(source, claimId, {
    receivedAt: acceptedAt,
    tenantId: order.tenantId,
    orderId: order.orderId,
  });
  if (!claimed)
    throw new UnauthorizedError(`Delivery ${deliveryId} was received before; replays are refused.`);

  const requests: OnboardingRequest[] = order.devices.map((device) => ({
    tenantId: order.tenantId,
    orderId: order.orderId,
    serialNumber: device.serialNumber,
    hardwareHash: device.hardwareHash,
    groupTag: device.groupTag,
    assignedUserPrincipalName: device.assignedUserPrincipalName,
    acceptedAt,
    enrollmentDeadline: deps.enrollmentDeadline,
  }));
  try {
    await deps.enqueue(requests, { source, deliveryId: claimId });
  } catch (error) {
    // The claim is given back before the answer, so the sender's retry of this delivery id is accepted.
    await deps.deliveries
      .release(source, claimId)
      .catch((releaseError: unknown) =>
        invocationLog(context, { tenantId: order.tenantId }).error(
          'Could not release the delivery claim',
          releaseError,
        ),
      );
    throw error instanceof AppError
      ? error
      : new DependencyUnavailableError('The order could not be queued; send it again.', 'serviceBus', {
          cause: error,
        });
  }
  invocationLog(context, { tenantId: order.tenantId }).info(
    `Accepted order ${order.orderId} for tenant ${order.tenantId}: ${requests.length} device(s), delivery ${deliveryId}`,
  );
  // Each device's instance id and the operator API's route for it; no Durable management URL, which carries the
  // extension's system key. A sender that needs outcomes subscribes to `device-events`.
  return {
    status: 202,
    jsonBody: {
      tenantId: order.tenantId,
      orderId: order.orderId,
      devices: requests.map((r) => ({
        serialNumber: r.serialNumber,
        instanceId: onboardingInstanceId(r.tenantId, r.serialNumber),
        statusUrl: onboardingStatusPath(r.tenantId, r.serialNumber),
      })),
    },
  };
}
