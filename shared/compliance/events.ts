import { type ServiceBusMessage } from '@azure/service-bus';
import { type DeviceEvent, deviceEvent, eventSource } from '../platform/cloud-events';
import { alertTypes, deviceEventTypes } from '../platform/declarations';
import {
  type CaMismatchAlert,
  type FleetAlertFinding,
  type HealthChange,
  type RemediationFailure,
  type RuleId,
} from './baseline/contract';

/**
 * What a sweep publishes. Ids come from the pure core (stable per transition, failure and alert), so an activity
 * retried republishes the same ids and the topic's duplicate detection drops them. Events carry ids, states and rule
 * ids, never a user's name.
 */

export interface HealthChangedData {
  tenantId: string;
  serialNumber: string;
  deviceId: string;
  from: HealthChange['from'];
  to: HealthChange['to'];
  rules: readonly RuleId[];
  baselineVersion: string;
  sweepId: string;
  changedAt: string;
}

export function healthChangedEvent(
  change: HealthChange,
  serialNumber: string,
  sweepId: string,
): DeviceEvent<HealthChangedData> {
  const event = deviceEvent(
    deviceEventTypes.healthChanged,
    {
      tenantId: change.tenantId,
      serialNumber,
      deviceId: change.deviceId,
      from: change.from,
      to: change.to,
      rules: change.rules,
      baselineVersion: change.baselineVersion,
      sweepId,
      changedAt: change.at,
    },
    change.at,
    [],
  );
  return { ...event, id: change.eventId };
}

export interface RemediationFailedData {
  tenantId: string;
  serialNumber: string;
  deviceId: string;
  subject: RemediationFailure['subject'];
  kind: RemediationFailure['kind'];
  attempts: number;
  sweepId: string;
}

export function remediationFailedEvent(
  failure: RemediationFailure,
  serialNumber: string,
  sweepId: string,
  at: string,
): DeviceEvent<RemediationFailedData> {
  const event = deviceEvent(
    deviceEventTypes.remediationFailed,
    {
      tenantId: failure.tenantId,
      serialNumber,
      deviceId: failure.deviceId,
      subject: failure.subject,
      kind: failure.kind,
      attempts: failure.attempts,
      sweepId,
    },
    at,
    [],
  );
  return { ...event, id: failure.eventId };
}

/** `tenant.alert` on `operations-alerts`: a fleet share below its threshold, or a persisting CA mismatch. */
export type TenantAlertData =
  | ({ tenantId: string; sweepId: string } & FleetAlertFinding)
  | {
      tenantId: string;
      sweepId: string;
      kind: 'caMismatch';
      deviceId: string;
      serialNumber: string;
      since: string;
      failing: readonly RuleId[];
    };

export function fleetAlertMessage(tenantId: string, sweepId: string, finding: FleetAlertFinding, at: string) {
  return alertMessage(finding.alertId, { tenantId, sweepId, ...finding }, at);
}

export function caMismatchAlertMessage(
  alert: CaMismatchAlert,
  serialNumber: string,
  sweepId: string,
  at: string,
) {
  return alertMessage(
    alert.eventId,
    {
      tenantId: alert.tenantId,
      sweepId,
      kind: 'caMismatch',
      deviceId: alert.deviceId,
      serialNumber,
      since: alert.since,
      failing: alert.failing,
    },
    at,
  );
}

function alertMessage(id: string, data: TenantAlertData, at: string): ServiceBusMessage {
  return {
    messageId: id,
    subject: alertTypes.tenantAlert,
    contentType: 'application/cloudevents+json',
    body: {
      specversion: '1.0',
      id,
      source: eventSource,
      type: alertTypes.tenantAlert,
      subject: `tenants/${data.tenantId}`,
      time: at,
      datacontenttype: 'application/json',
      data,
    },
    applicationProperties: { tenantId: data.tenantId, eventType: alertTypes.tenantAlert, kind: data.kind },
  };
}
