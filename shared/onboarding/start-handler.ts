import { type InvocationContext } from '@azure/functions';
import { type DurableClient } from 'durable-functions';
import { z } from 'zod';
import { parseOrThrow } from '../validation';
import { type OnboardingRequest } from './contract';
import { orderedDeviceSchema } from './device-order';
import { startOnboardingIfNew } from './start-onboarding';

const onboardingRequestSchema = orderedDeviceSchema.extend({
  tenantId: z.string().min(1),
  orderId: z.string().min(1),
  acceptedAt: z.iso.datetime(),
  enrollmentDeadline: z.string().min(2),
}) satisfies z.ZodType<OnboardingRequest>;

/**
 * The `device-orders` queue trigger: one message, one device, one idempotent start. A failure here abandons the
 * message and Service Bus delivers it again; a message that can never be valid ends in the dead-letter queue after
 * the entity's maximum deliveries.
 */
export function startOnboardingHandler(client: (context: InvocationContext) => DurableClient) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const request = parseOrThrow(onboardingRequestSchema, message, 'onboarding request');
    const result = await startOnboardingIfNew(client(context), request);
    context.log(`Onboarding of ${request.serialNumber} in tenant ${request.tenantId}: ${result}`);
  };
}
