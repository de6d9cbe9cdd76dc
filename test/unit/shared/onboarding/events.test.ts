import { failureReasons, type OnboardingRecordInput } from '../../../../shared/onboarding/contract';
import { failureDetails, onboardingEvent } from '../../../../shared/onboarding/events';

const upn = 'alex.wilber@contoso.onmicrosoft.com';

function failedRun(reason: (typeof failureReasons)[number], detail: string): OnboardingRecordInput {
  return {
    instanceId: 'onboard:t1:SN-1',
    request: {
      tenantId: 't1',
      orderId: 'order-1',
      serialNumber: 'SN-1',
      hardwareHash: 'aGFzaA==',
      groupTag: 'MDS',
      assignedUserPrincipalName: upn,
      acceptedAt: '2026-01-01T00:00:00.000Z',
      enrollmentDeadline: 'P14D',
    },
    steps: [],
    observed: {},
    outcome: { status: 'failed', reason, detail },
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T01:00:00.000Z',
  };
}

describe('device.onboardingFailed', () => {
  it.each(failureReasons)('carries the fixed detail of %s, whatever the failure said', (reason) => {
    const event = onboardingEvent(
      failedRun(reason, `ensureE5Licence: graph GET /v1.0/users/${upn} answered 503 for ${upn}`),
    );
    expect(event.data).toMatchObject({ reason, detail: failureDetails[reason] });
    expect(JSON.stringify(event)).not.toContain('alex');
  });
});
