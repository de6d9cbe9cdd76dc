import { type AuditEvent, type AuditOutcome } from '../audit/contract';
import { stableEventId } from '../platform/cloud-events';
import { type OnboardingRequest, type RemediationInput } from './contract';
import { onboardingInstanceId } from './device-order';

/**
 * Onboarding's privileged actions as audit events. Ids are stable per action, so a retried activity or a message
 * delivered twice records once: one start per run of an instance (a restart names the run it replaces), one
 * remediation per run and step. Instance ids can be long (serial numbers run to 128 characters), so ids carry a hash
 * of what makes them unique; the instance itself is in the actor and the correlation.
 */
export function onboardingStartEvent(
  request: OnboardingRequest,
  correlation: { invocationId: string },
  time: Date,
  replacesRunCreatedAt?: Date,
): AuditEvent {
  const instanceId = onboardingInstanceId(request.tenantId, request.serialNumber);
  const run = replacesRunCreatedAt ? `restart-of-${replacesRunCreatedAt.getTime()}` : 'first';
  return {
    id: `onboarding.start:${stableEventId(instanceId, run)}`,
    action: 'onboarding.start',
    actor: { kind: 'service', functionName: 'startOnboarding', instanceId },
    tenantId: request.tenantId,
    target: {
      type: 'device',
      id: request.serialNumber,
      customerPersonal: { userPrincipalName: request.assignedUserPrincipalName },
    },
    outcome: 'succeeded',
    reason: replacesRunCreatedAt ? 'Autopilot order; restart after a transient failure' : 'Autopilot order',
    correlation: { invocationId: correlation.invocationId, instanceId },
    time: time.toISOString(),
  };
}

export const remediations = {
  remediateEncryption: {
    step: 'encryption',
    reason: 'BitLocker not verified: device sync and recovery key rotation',
  },
  remediateDefender: { step: 'defender', reason: 'Defender definitions not current: signature update' },
} as const;

export function remediationEvent(
  functionName: keyof typeof remediations,
  input: RemediationInput,
  result: { outcome: AuditOutcome; errorCode?: string },
  names: { deviceName?: string; userPrincipalName?: string; userDisplayName?: string },
  correlation: { invocationId: string },
  time: Date,
): AuditEvent {
  const { step, reason } = remediations[functionName];
  return {
    id: `remediation.run:${stableEventId(input.instanceId, input.runStartedAt)}:${step}`,
    action: 'remediation.run',
    actor: { kind: 'service', functionName, instanceId: input.instanceId },
    tenantId: input.tenantId,
    target: {
      type: 'device',
      id: input.serialNumber,
      ...(Object.keys(names).length > 0 ? { customerPersonal: names } : {}),
    },
    outcome: result.outcome,
    reason: result.errorCode ? `${reason} (${result.errorCode})` : reason,
    correlation: { invocationId: correlation.invocationId, instanceId: input.instanceId },
    time: time.toISOString(),
  };
}
