import { type ServiceBusMessage, type ServiceBusSender } from '@azure/service-bus';
import { type OnboardingRequest } from './contract';
import { type DeviceOrder, onboardingInstanceId } from './device-order';

/**
 * One message per device, with the device's instance id as message id: the queue's duplicate detection drops a
 * device re-sent within its window before any work is done, and the trigger's idempotent start covers the rest.
 */
export function orderMessage(request: OnboardingRequest): ServiceBusMessage {
  return {
    messageId: onboardingInstanceId(request.tenantId, request.serialNumber),
    body: request,
    contentType: 'application/json',
    subject: 'device.onboardingRequested',
    applicationProperties: { tenantId: request.tenantId, orderId: request.orderId },
  };
}

/** Sends in as few batches as fit the entity's size limit. */
export async function enqueueOnboardings(
  sender: ServiceBusSender,
  requests: OnboardingRequest[],
): Promise<void> {
  let batch = await sender.createMessageBatch();
  for (const request of requests) {
    const message = orderMessage(request);
    if (batch.tryAddMessage(message)) continue;
    if (batch.count === 0)
      throw new RangeError(`The order message for ${request.serialNumber} exceeds the maximum message size.`);
    await sender.sendMessages(batch);
    batch = await sender.createMessageBatch();
    if (!batch.tryAddMessage(message))
      throw new RangeError(`The order message for ${request.serialNumber} exceeds the maximum message size.`);
  }
  if (batch.count > 0) await sender.sendMessages(batch);
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
