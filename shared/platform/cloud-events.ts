import { createHash } from 'node:crypto';
import { type ServiceBusMessage, type ServiceBusSender } from '@azure/service-bus';
import { DependencyUnavailableError } from '../errors';
import { type CredentialEventType, type DeviceEventType } from './declarations';

/**
 * Events on the `device-events` and `credential-events` topics. The body follows the CloudEvents 1.0 JSON format so any consumer can read
 * it; the Service Bus `subject` is the event type (subscriptions filter on it) and `messageId` is the event id, a
 * hash of what makes the event unique, so a republished event is dropped by duplicate detection. Events carry ids
 * and states, never a user's name or UPN.
 */
export type EventType = DeviceEventType | CredentialEventType;

export interface DeviceEvent<T, K extends EventType = DeviceEventType> {
  specversion: '1.0';
  id: string;
  source: string;
  type: K;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: T;
}

export const eventSource = '/managed-desktop-security';

export function stableEventId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
}

export function deviceEvent<T extends { tenantId: string; serialNumber: string }>(
  type: DeviceEventType,
  data: T,
  time: string,
  uniqueBy: string[],
): DeviceEvent<T> {
  return cloudEvent(type, `tenants/${data.tenantId}/devices/${data.serialNumber}`, data, time, uniqueBy);
}

/** A CloudEvent of any of the app's types, its id a hash of the type and what makes it unique. */
export function cloudEvent<K extends EventType, T>(
  type: K,
  subject: string,
  data: T,
  time: string,
  uniqueBy: string[],
): DeviceEvent<T, K> {
  return {
    specversion: '1.0',
    id: stableEventId(type, ...uniqueBy),
    source: eventSource,
    type,
    subject,
    time,
    datacontenttype: 'application/json',
    data,
  };
}

/** The Service Bus message of a device event: its id is the message id, its type the subject. */
export function deviceEventMessage(event: DeviceEvent<{ tenantId: string }, EventType>): ServiceBusMessage {
  return {
    messageId: event.id,
    subject: event.type,
    contentType: 'application/cloudevents+json',
    body: event,
    applicationProperties: { tenantId: event.data.tenantId, eventType: event.type },
  };
}

export async function publishDeviceEvent(
  sender: ServiceBusSender,
  event: DeviceEvent<{ tenantId: string }, EventType>,
): Promise<void> {
  try {
    await sender.sendMessages(deviceEventMessage(event));
  } catch (error) {
    throw new DependencyUnavailableError(
      `publishing ${event.type} failed: ${(error as Error).message}`,
      'serviceBus',
      { cause: error },
    );
  }
}
