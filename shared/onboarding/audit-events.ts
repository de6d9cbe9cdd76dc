import { type AuditEvent, type AuditOutcome } from '../audit/contract';
import { type OnboardingRequest, type RemediationInput } from './contract';
import { onboardingInstanceId } from './device-order';

/**
 * An instance id as it may stand in an audit event id (letters, digits and `._:-`): a long serial's instance id
 * carries `~` before its hash (onboardingInstanceId), which becomes `.`. No other instance id has a `.` there, since
 * only serials too long for the id are hashed.
 */
function eventIdPart(instanceId: string): string {
  return instanceId.replace(/~/g, '.');
}

/**
 * Onboarding's privileged actions as audit events. Ids are stable per action, so a retried activity or a message
 * delivered twice records once: one start per instance, one remediation per instance and step.
 */
export function onboardingStartEvent(
  request: OnboardingRequest,
  correlation: { invocationId: string },
  time: Date,
): AuditEvent {
  const instanceId = onboardingInstanceId(request.tenantId, request.serialNumber);
  return {
    id: `onboarding.start:${eventIdPart(instanceId)}`,
    action: 'onboarding.start',
    actor: { kind: 'service', functionName: 'startOnboarding', instanceId },
    tenantId: request.tenantId,
    target: {
      type: 'device',
      id: request.serialNumber,
      customerPersonal: { userPrincipalName: request.assignedUserPrincipalName },
    },
    outcome: 'succeeded',
    reason: 'Autopilot order',
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
    id: `remediation.run:${eventIdPart(input.instanceId)}:${step}`,
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
