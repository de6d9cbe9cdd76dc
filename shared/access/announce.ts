import { type ServiceBusSender } from '@azure/service-bus';
import {
  type AuditAction,
  type AuditActor,
  type AuditEvent,
  type AuditOutcome,
  type AuditPort,
} from '../audit/contract';
import { cloudEvent, publishDeviceEvent } from '../platform/cloud-events';
import { type CredentialEventType } from '../platform/declarations';
import { type CredentialAccount } from './contract';

/** Where every step of a checkout is told: the audit trail (both environments) and the `credential-events` topic. */
export interface Announcer {
  audit: AuditPort;
  events: ServiceBusSender;
}

export interface Step {
  action: AuditAction;
  event: CredentialEventType;
  actor: AuditActor;
  tenantId: string;
  account: CredentialAccount;
  /** The request the step belongs to, or the rotation's lock key for a scheduled rotation. */
  subjectId: string;
  outcome: AuditOutcome;
  reason?: string;
  /** Makes the audit event id and the CloudEvent id stable: a retried step is recorded and published once. */
  stepId: string;
  time: string;
  correlation?: { invocationId?: string; instanceId?: string };
  /** Ids, states and times for the CloudEvent; never a password, never a person (the audit trail says who). */
  data?: Record<string, string | number | boolean | undefined>;
}

/**
 * Records the step in the audit trail, then publishes its CloudEvent. The audit record comes first and a failure of
 * either throws a retryable error, so the caller (a handler before it acts, an activity after it acted) repeats it;
 * both ids are stable per step, so a repeat records and publishes once.
 */
export async function announce(to: Announcer, step: Step): Promise<void> {
  await to.audit.record(auditOf(step));
  await publishStep(to.events, step);
}

export function auditOf(step: Step): AuditEvent {
  return {
    id: `${step.action}:${step.stepId}`,
    action: step.action,
    actor: step.actor,
    tenantId: step.tenantId,
    target: { type: 'credential', id: `${step.account}:${step.subjectId}` },
    outcome: step.outcome,
    ...(step.reason === undefined ? {} : { reason: step.reason }),
    correlation: step.correlation ?? {},
    time: step.time,
  };
}

export async function publishStep(events: ServiceBusSender, step: Step): Promise<void> {
  await publishDeviceEvent(
    events,
    cloudEvent(
      step.event,
      `tenants/${step.tenantId}/credentials/${step.account}/${step.subjectId}`,
      {
        tenantId: step.tenantId,
        account: step.account,
        subjectId: step.subjectId,
        outcome: step.outcome,
        ...(step.reason === undefined ? {} : { reason: step.reason }),
        ...step.data,
      },
      step.time,
      [step.stepId],
    ),
  );
}
