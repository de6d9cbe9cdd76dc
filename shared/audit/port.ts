import { createHash } from 'node:crypto';
import { type ServiceBusMessage, type ServiceBusSender } from '@azure/service-bus';
import { DependencyUnavailableError } from '../errors';
import { auditMessageSubjects } from '../platform/declarations';
import { parseOrThrow } from '../validation';
import { type AuditEvent, type AuditPort } from './contract';
import { auditEventSchema } from './event-schema';

/** How long `record` waits for Service Bus before it gives up and the action is refused. */
const acceptTimeoutMs = 10_000;

/**
 * The audit port: an event is accepted when Service Bus has it, and not before. The message id is a hash of the
 * event id, so the topic's duplicate detection takes a retried event once; each sink's subscription then delivers it.
 */
export function serviceBusAuditPort(sender: ServiceBusSender): AuditPort {
  return {
    record: async (event) => {
      const valid = parseOrThrow(auditEventSchema, event, 'audit event');
      try {
        await sender.sendMessages(auditMessage(valid), { abortSignal: AbortSignal.timeout(acceptTimeoutMs) });
      } catch (error) {
        throw new DependencyUnavailableError(
          `The audit event ${valid.id} could not be accepted, so the action is not taken; try again.`,
          'serviceBus',
          { cause: error },
        );
      }
    },
  };
}

/** Service Bus message ids hold at most 128 characters; event ids up to 200. The hash is as stable as the id. */
export function auditMessageId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

export function auditMessage(event: AuditEvent): ServiceBusMessage {
  return {
    messageId: auditMessageId(event.id),
    subject: auditMessageSubjects.event,
    contentType: 'application/json',
    body: event,
    applicationProperties: {
      action: event.action,
      // Events of the operator environment alone have no customer sink to reach.
      customerSink: event.tenantId !== undefined,
      ...(event.tenantId === undefined ? {} : { tenantId: event.tenantId }),
    },
  };
}
