import { type InvocationContext } from '@azure/functions';
import { type DurableClient } from 'durable-functions';
import { z } from 'zod';
import { type AuditPort } from '../audit/contract';
import { invocationLog } from '../logging';
import { parseOrThrow } from '../validation';
import { onboardingStartEvent } from './audit-events';
import { type OnboardingRequest } from './contract';
import { onboardingInstanceId, orderedDeviceSchema } from './device-order';
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
 * the entity's maximum deliveries. A start is audited before it happens: when the audit event cannot be accepted the
 * orchestration is not started and the message is delivered again (its event id follows from the instance, and for a
 * restart from the run it replaces, so it records once however often that happens).
 */
export function startOnboardingHandler(
  client: (context: InvocationContext) => DurableClient,
  audit: AuditPort,
  now: () => Date = () => new Date(),
) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const request = parseOrThrow(onboardingRequestSchema, message, 'onboarding request');
    const log = invocationLog(context, {
      tenantId: request.tenantId,
      instanceId: onboardingInstanceId(request.tenantId, request.serialNumber),
    });
    const result = await startOnboardingIfNew(client(context), request, (replaces) =>
      audit.record(
        onboardingStartEvent(request, { invocationId: context.invocationId }, now(), replaces?.createdTime),
      ),
    );
    log.info(`Onboarding of ${request.serialNumber}: ${result}`);
  };
}
