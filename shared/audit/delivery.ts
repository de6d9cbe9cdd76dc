import { type InvocationContext } from '@azure/functions';
import { type ServiceBusSender } from '@azure/service-bus';
import { AppError, isRetryable } from '../errors';
import { invocationLog } from '../logging';
import { alertTypes, auditMaxDeliveryCount, auditMessageSubjects } from '../platform/declarations';
import { parseOrThrow } from '../validation';
import { type AuditEnvironment, type AuditEvent } from './contract';
import { auditEventSchema } from './event-schema';
import { auditMessageId } from './port';

/**
 * While a sink is unreachable its deliveries wait outside the lock: the trigger schedules a copy of the message for
 * later on the same topic (only that sink's subscription takes it) and completes the original, with delays that grow
 * to `maxDelayMs`. After `maxAttempts` of those (about a day) the message fails its remaining deliveries and the broker
 * dead-letters it.
 */
export const deliveryRetrySchedule = {
  firstDelayMs: 5_000,
  maxDelayMs: 10 * 60_000,
  factor: 2,
  maxAttempts: 150,
};

export function retryDelayMs(attempt: number, schedule = deliveryRetrySchedule): number {
  return Math.min(schedule.maxDelayMs, schedule.firstDelayMs * schedule.factor ** Math.max(0, attempt - 1));
}

export interface DeliveryDependencies {
  sink: AuditEnvironment;
  /** Writes the event into the sink, idempotently by event id. */
  deliver(event: AuditEvent): Promise<'appended' | 'duplicate' | 'notApplicable'>;
  /** The `audit-events` topic, for delayed retries. */
  auditTopic: ServiceBusSender;
  /** The `operations-alerts` topic. */
  alerts: ServiceBusSender;
  schedule?: typeof deliveryRetrySchedule;
  now(): number;
}

/** What an operator is told when an audit event could not be delivered: ids and codes only. */
export interface DeliveryFailedAlert {
  type: typeof alertTypes.auditDeliveryFailed;
  sink: AuditEnvironment;
  messageId: string;
  eventId?: string;
  tenantId?: string;
  action?: string;
  deliveryCount: number;
  retryAttempts: number;
  errorCode: string;
  time: string;
}

/**
 * The trigger of one sink's subscription. Success completes the message. A sink that is unreachable (a retryable
 * error) gets a delayed retry; anything else (a malformed event, a refusal, retries run out) fails the delivery, so
 * the broker delivers again and dead-letters the message after its last delivery, when an alert goes out too.
 */
export function auditDeliveryHandler(deps: DeliveryDependencies) {
  const schedule = deps.schedule ?? deliveryRetrySchedule;
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const metadata = context.triggerMetadata ?? {};
    const properties = (metadata.applicationProperties ?? {}) as Record<string, unknown>;
    const attempt = Number(properties.attempt ?? 0);
    const deliveryCount = Number(metadata.deliveryCount ?? 1);
    const messageId = typeof metadata.messageId === 'string' ? metadata.messageId : '';
    let log = invocationLog(context, {
      tenantId: typeof properties.tenantId === 'string' ? properties.tenantId : undefined,
    });
    let event: AuditEvent | undefined;
    try {
      event = parseOrThrow(auditEventSchema, message, 'audit event');
      log = log.with({ tenantId: event.tenantId, instanceId: event.correlation.instanceId });
      const result = await deps.deliver(event);
      log.info(`Audit event ${event.id} (${event.action}) to the ${deps.sink} sink: ${result}`);
    } catch (error) {
      const code = error instanceof AppError ? error.code : 'unexpected';
      if (event && isRetryable(error) && attempt < schedule.maxAttempts) {
        const delayMs = retryDelayMs(attempt + 1, schedule);
        // If this send fails too, the throw below abandons the message and the broker delivers it again.
        await deps.auditTopic.scheduleMessages(
          {
            messageId: auditMessageId(event.id, deps.sink, `retry-${attempt + 1}`),
            subject: auditMessageSubjects.retry,
            contentType: 'application/json',
            body: event,
            applicationProperties: {
              sink: deps.sink,
              attempt: attempt + 1,
              ...(event.tenantId === undefined ? {} : { tenantId: event.tenantId }),
            },
          },
          new Date(deps.now() + delayMs),
        );
        log.warn(
          `Audit event ${event.id} could not reach the ${deps.sink} sink (${code}); retry ${attempt + 1} in ${Math.round(delayMs / 1000)} s`,
        );
        return;
      }
      if (deliveryCount >= auditMaxDeliveryCount) {
        log.error(
          `Audit message ${messageId} to the ${deps.sink} sink failed its last delivery (${code}); it goes to the dead-letter queue`,
        );
        await raiseAlert(deps, {
          type: alertTypes.auditDeliveryFailed,
          sink: deps.sink,
          messageId,
          ...(event ? { eventId: event.id, action: event.action } : {}),
          ...(event?.tenantId === undefined ? {} : { tenantId: event.tenantId }),
          deliveryCount,
          retryAttempts: attempt,
          errorCode: code,
          time: new Date(deps.now()).toISOString(),
        }).catch((alertError: unknown) =>
          log.error(`The alert for audit message ${messageId} could not be sent: ${String(alertError)}`),
        );
      } else {
        log.warn(
          `Audit message ${messageId} to the ${deps.sink} sink failed (${code}); delivery ${deliveryCount}`,
        );
      }
      throw error;
    }
  };
}

async function raiseAlert(deps: DeliveryDependencies, alert: DeliveryFailedAlert): Promise<void> {
  await deps.alerts.sendMessages({
    messageId: auditMessageId(alert.type, alert.sink, alert.messageId),
    subject: alert.type,
    contentType: 'application/json',
    body: alert,
    applicationProperties: {
      type: alert.type,
      sink: alert.sink,
      ...(alert.tenantId ? { tenantId: alert.tenantId } : {}),
    },
  });
}
