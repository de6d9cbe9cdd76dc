import { isServiceBusError, type ServiceBusMessage, type ServiceBusSender } from '@azure/service-bus';
import { PayloadTooLargeError } from '../errors';
import { type OnboardingRequest } from './contract';
import { type DeviceOrder, onboardingInstanceId, orderMessageId } from './device-order';

/** The delivery an order came in, so that each of its messages has an id of its own. */
export interface DeliveryRef {
  source: string;
  deliveryId: string;
}

/**
 * One message per device. Its id is the device's instance id plus a hash of the delivery (see `orderMessageId`):
 * the queue's duplicate detection drops only a send repeated within one delivery, so a re-sent order reaches the
 * trigger, whose start is idempotent by instance id.
 */
export function orderMessage(request: OnboardingRequest, delivery: DeliveryRef): ServiceBusMessage {
  return {
    messageId: orderMessageId(
      onboardingInstanceId(request.tenantId, request.serialNumber),
      delivery.source,
      delivery.deliveryId,
    ),
    body: request,
    contentType: 'application/json',
    subject: 'device.onboardingRequested',
    applicationProperties: { tenantId: request.tenantId, orderId: request.orderId },
  };
}

/**
 * Sends in as few batches as fit the entity's size limit. A message that fits no batch is refused for good.
 * `abortSignal` bounds the whole send: the SDK bounds `sendMessages` by its retry options, but not the link and
 * connection `createMessageBatch` waits for, which against an unreachable namespace waits without end.
 */
export async function enqueueOnboardings(
  sender: ServiceBusSender,
  requests: OnboardingRequest[],
  delivery: DeliveryRef,
  options: { abortSignal?: AbortSignal } = {},
): Promise<void> {
  const tooLarge = (request: OnboardingRequest) =>
    new PayloadTooLargeError(
      `The order message for ${request.serialNumber} exceeds the maximum message size.`,
    );
  try {
    let batch = await sender.createMessageBatch(options);
    for (const request of requests) {
      const message = orderMessage(request, delivery);
      if (batch.tryAddMessage(message)) continue;
      if (batch.count === 0) throw tooLarge(request);
      await sender.sendMessages(batch, options);
      batch = await sender.createMessageBatch(options);
      if (!batch.tryAddMessage(message)) throw tooLarge(request);
    }
    if (batch.count > 0) await sender.sendMessages(batch, options);
  } catch (error) {
    if (isServiceBusError(error) && error.code === 'MessageSizeExceeded')
      throw new PayloadTooLargeError('An order message exceeds the maximum message size.', { cause: error });
    throw error;
  }
}

/** One onboarding request per device of an order, as the queue trigger takes them. */
export function onboardingRequests(
  order: DeviceOrder,
  acceptedAt: string,
  enrollmentDeadline: string,
): OnboardingRequest[] {
  return order.devices.map((device) => ({
    tenantId: order.tenantId,
    orderId: order.orderId,
    serialNumber: device.serialNumber,
    hardwareHash: device.hardwareHash,
    groupTag: device.groupTag,
    assignedUserPrincipalName: device.assignedUserPrincipalName,
    acceptedAt,
    enrollmentDeadline,
  }));
}
