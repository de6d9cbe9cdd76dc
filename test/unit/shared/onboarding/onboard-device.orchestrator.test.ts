import { type CallInfo, fail, orchestrationHarness, sequence, type OrchestrationRun } from '@mds/durable-harness';
import {
  type EncryptionState,
  type DefenderState,
  deviceStateEvent,
  type ImportStatus,
  type ObservedState,
  type OnboardingOutcome,
  type OnboardingRecordInput,
  type OnboardingRequest,
  onboardingActivities as a,
  onboardingOrchestration,
  onboardingSteps,
  type WaitKind,
  type WaitRegistration,
} from '../../../../shared/onboarding/contract';
import {
  onboardDeviceOrchestrator,
  onboardingWaits,
} from '../../../../shared/onboarding/onboard-device.orchestrator';
import { transientRetry } from '../../../../shared/durable/activity';

const t0 = Date.parse('2026-01-01T00:00:00.000Z');
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const at = (ms: number): string => new Date(t0 + ms).toISOString();

const request: OnboardingRequest = {
  tenantId: 'tenant-contoso',
  orderId: 'order-1',
  serialNumber: 'SN-0001',
  hardwareHash: 'aGFzaA==',
  groupTag: 'Standard',
  assignedUserPrincipalName: 'ada@contoso.example',
  acceptedAt: at(0),
  enrollmentDeadline: 'P14D',
};
const key = { tenantId: request.tenantId, serialNumber: request.serialNumber };
const enrolled = { ...key, managedDeviceId: 'md-1', azureADDeviceId: 'aad-1' };
const secure: EncryptionState = { encrypted: true, tpmPresent: true, recoveryKeyEscrowed: true };
const healthy: DefenderState = {
  onboarded: true,
  active: true,
  signaturesCurrent: true,
  signatureVersion: '1.2',
};
const permanentFailure = (code: string, message: string) => ({ permanentFailure: { code, message } });

/** What the tenant's watcher reports for one wait: events `afterMs` after the device registered it. */
type Report = { afterMs: number; observed: ObservedState }[];
type Watcher = { [K in WaitKind]: (wait: WaitRegistration, call: CallInfo) => Report };
const importReport = (status: ImportStatus, afterMs = minute): Report => [
  { afterMs, observed: { kind: 'import', status } },
];
const encryptionReport = (encryption: EncryptionState, afterMs = 0): Report => [
  { afterMs, observed: { kind: 'encryption', encryption } },
];
const defenderReport = (defender: DefenderState, afterMs = 0): Report => [
  { afterMs, observed: { kind: 'defender', defender } },
];

/** A watcher for which every state the device waits on arrives soon; each test changes what it is about. */
const quickWatcher: Watcher = {
  import: () => importReport({ state: 'complete', autopilotDeviceId: 'ap-1', azureADDeviceId: 'aad-1' }),
  enrollment: () => [
    {
      afterMs: 15 * minute,
      observed: { kind: 'enrollment', enrollment: { enrolled: true, managedDeviceId: 'md-1', azureADDeviceId: 'aad-1' } },
    },
  ],
  encryption: () => encryptionReport(secure),
  defender: () => defenderReport(healthy),
};

/** Registering a wait makes the scripted watcher raise its reports for that wait. */
function watchedBy(watcher: Partial<Watcher>) {
  const w = { ...quickWatcher, ...watcher };
  return (wait: WaitRegistration, call: CallInfo): undefined => {
    for (const report of w[wait.kind](wait, call))
      call.raiseEvent(deviceStateEvent, { waitId: wait.waitId, observed: report.observed }, { afterMs: report.afterMs });
    return undefined;
  };
}

/** A device for which every step succeeds at once; each test overrides what it is about. */
function onboarding(input: OnboardingRequest = request, watcher: Partial<Watcher> = {}) {
  return orchestrationHarness(onboardDeviceOrchestrator, {
    input,
    startAt: t0,
    name: onboardingOrchestration,
    instanceId: 'onboard:tenant-contoso:SN-0001',
  })
    .onActivity(a.awaitDeviceState, watchedBy(watcher))
    .onActivity(a.assignDeploymentProfile, { profileId: 'p-1', profileName: 'Standard' })
    .onActivity(a.remediateEncryption, undefined)
    .onActivity(a.remediateDefender, undefined)
    .onActivity(a.ensureE5Licence, { kind: 'assigned' })
    .onActivity(a.assignUpdateRing, { ring: 'broad', groupId: 'g-broad' })
    .onActivity(a.recordOnboarding, undefined);
}

const waitsOf = (run: OrchestrationRun) => run.calls(a.awaitDeviceState).map((c) => c.input);

/** The orchestration itself never fails: it records and returns an outcome. */
function outcomeOf(run: OrchestrationRun<OnboardingOutcome>): OnboardingOutcome {
  expect(run.error).toBeUndefined();
  expect(run.status).toBe('Completed');
  return run.output as OnboardingOutcome;
}

function recordOf(run: OrchestrationRun): OnboardingRecordInput {
  const records = run.calls(a.recordOnboarding);
  expect(records).toHaveLength(1);
  return records[0]!.input;
}

function stepOutcomes(run: OrchestrationRun): Record<string, string> {
  return Object.fromEntries(recordOf(run).steps.map((s) => [s.step, s.outcome]));
}

describe('onboardDevice orchestrator', () => {
  describe('happy path', () => {
    it('onboards a device that needs waiting at import and enrollment, recording every step', async () => {
      const run = await onboarding()
        .onActivity(a.getAutopilotImportStatus, sequence([{ state: 'pending' }, { state: 'complete' }]))
        .onActivity(
          a.getEnrollment,
          sequence([
            { enrolled: false, state: 'notEnrolled' },
            { enrolled: true, managedDeviceId: 'md-1', azureADDeviceId: 'aad-1' },
          ]),
        )
        .run<OnboardingOutcome>();

      expect(outcomeOf(run)).toEqual({
        status: 'onboarded',
        managedDeviceId: 'md-1',
        azureADDeviceId: 'aad-1',
        ring: 'broad',
      });
      expect(run.activities.map((c) => c.name)).toEqual([
        a.submitAutopilotImport.name,
        a.getAutopilotImportStatus.name,
        a.getAutopilotImportStatus.name,
        a.assignDeploymentProfile.name,
        a.getEnrollment.name,
        a.getEnrollment.name,
        a.getEncryptionState.name,
        a.getDefenderState.name,
        a.ensureE5Licence.name,
        a.assignUpdateRing.name,
        a.recordOnboarding.name,
      ]);
      expect(run.calls(a.submitAutopilotImport)[0]?.input).toEqual(request);
      expect(run.calls(a.getAutopilotImportStatus)[0]?.input).toEqual({ ...key, importedDeviceId: 'imp-1' });
      expect(run.calls(a.assignDeploymentProfile)[0]?.input).toEqual({ ...key, groupTag: 'Standard' });
      expect(run.calls(a.ensureE5Licence)[0]?.input).toEqual({
        tenantId: request.tenantId,
        userPrincipalName: request.assignedUserPrincipalName,
      });
      expect(run.calls(a.assignUpdateRing)[0]?.input).toEqual(enrolled);
      // The first waits of import (1 min) and enrollment (15 min), on durable timers.
      expect(run.timers.map((t) => t.fireAt.toISOString())).toEqual([at(minute), at(minute + 15 * minute)]);

      const record = recordOf(run);
      expect(record).toEqual({
        instanceId: 'onboard:tenant-contoso:SN-0001',
        request,
        steps: onboardingSteps.map((step) => expect.objectContaining({ step, outcome: 'succeeded' })),
        observed: { encryption: secure, defender: healthy, licence: 'assigned' },
        outcome: run.output,
        startedAt: at(0),
        endedAt: at(16 * minute),
      });
      expect(record.steps.find((s) => s.step === 'enrollment')).toEqual({
        step: 'enrollment',
        outcome: 'succeeded',
        startedAt: at(minute),
        endedAt: at(16 * minute),
      });
    });

    it('shows the step and what it waits for in custom status', async () => {
      const waiting = await onboarding()
        .onActivity(a.getEnrollment, { enrolled: false, state: 'notEnrolled' })
        .run({ until: at(20 * minute) });
      expect(waiting.status).toBe('Running');
      expect(waiting.customStatus).toEqual({
        step: 'enrollment',
        waitingFor: 'the device to enroll (deadline P14D after the order)',
        nextCheckAt: at(45 * minute),
        checks: 2,
      });

      const done = await onboarding().run();
      expect(done.customStatuses.map((s) => (s as { step: string }).step)).toEqual([
        ...onboardingSteps,
        'recording',
      ]);
      expect(done.customStatus).toEqual({ step: 'recording' });
    });

    it('skips the import wait for a device already registered to the tenant', async () => {
      const run = await onboarding()
        .onActivity(a.submitAutopilotImport, { kind: 'alreadyRegistered', autopilotDeviceId: 'ap-1' })
        .run<OnboardingOutcome>();
      expect(outcomeOf(run).status).toBe('onboarded');
      expect(run.calls(a.getAutopilotImportStatus)).toHaveLength(0);
    });

    it('accepts an import Autopilot reports as already registered', async () => {
      const run = await onboarding()
        .onActivity(a.getAutopilotImportStatus, { state: 'alreadyRegistered' })
        .run<OnboardingOutcome>();
      expect(outcomeOf(run).status).toBe('onboarded');
    });

    it('records a licence the user already held', async () => {
      const run = await onboarding().onActivity(a.ensureE5Licence, { kind: 'alreadyLicensed' }).run();
      expect(recordOf(run).observed.licence).toBe('alreadyLicensed');
    });
  });

  describe('Autopilot import', () => {
    it('fails as registeredToAnotherTenant, without touching the device further', async () => {
      const run = await onboarding()
        .onActivity(a.getAutopilotImportStatus, {
          state: 'registeredToAnotherTenant',
          errorCode: 806,
          errorName: 'ZtdDeviceAssignedToOtherTenant',
        })
        .run<OnboardingOutcome>();
      expect(outcomeOf(run)).toEqual({
        status: 'failed',
        reason: 'registeredToAnotherTenant',
        detail: 'Autopilot refused the import: ZtdDeviceAssignedToOtherTenant (806).',
      });
      expect(run.activities.map((c) => c.name)).toEqual([
        a.submitAutopilotImport.name,
        a.getAutopilotImportStatus.name,
        a.recordOnboarding.name,
      ]);
      expect(recordOf(run).steps).toEqual([
        expect.objectContaining({ step: 'autopilotImport', outcome: 'failed', detail: expect.any(String) }),
      ]);
    });

    it('fails as importFailed when Autopilot reports an error', async () => {
      const run = await onboarding()
        .onActivity(a.getAutopilotImportStatus, {
          state: 'failed',
          errorCode: 808,
          errorName: 'ZtdDeviceDuplicated',
        })
        .run<OnboardingOutcome>();
      expect(outcomeOf(run)).toEqual({
        status: 'failed',
        reason: 'importFailed',
        detail: 'Autopilot import failed: ZtdDeviceDuplicated (808).',
      });
    });

    it('fails as importFailed when the import is still pending after 24 hours of growing waits', async () => {
      const run = await onboarding()
        .onActivity(a.getAutopilotImportStatus, { state: 'pending' })
        .run<OnboardingOutcome>();
      expect(outcomeOf(run)).toEqual({
        status: 'failed',
        reason: 'importFailed',
        detail: 'Autopilot did not finish the import in time.',
      });
      const checks = run.calls(a.getAutopilotImportStatus).map((c) => Date.parse(c.at.toISOString()) - t0);
      const w = onboardingWaits.importCheck;
      expect(checks.slice(0, 6)).toEqual([0, 1, 3, 7, 15, 30].map((m) => m * minute));
      expect(Math.max(...checks.slice(1).map((c, i) => c - checks[i]!))).toBe(w.maxDelayMs);
      // The last wait is cut to the budget, and the last check is exactly at it.
      expect(checks[checks.length - 1]).toBe(w.budgetMs);
      expect(run.calls(a.assignDeploymentProfile)).toHaveLength(0);
    });
  });

  describe('enrollment', () => {
    it('fails as enrollmentTimedOut at the deadline, with checks growing up to six hours apart', async () => {
      const run = await onboarding()
        .onActivity(a.getEnrollment, { enrolled: false, state: 'notEnrolled' })
        .run<OnboardingOutcome>();
      expect(outcomeOf(run)).toEqual({
        status: 'failed',
        reason: 'enrollmentTimedOut',
        detail: 'The device did not enroll within P14D.',
      });
      const checks = run.calls(a.getEnrollment).map((c) => c.at.getTime() - t0);
      expect(checks.slice(0, 4)).toEqual([0, 15, 45, 105].map((m) => m * minute));
      expect(Math.max(...checks.slice(1).map((c, i) => c - checks[i]!))).toBe(
        onboardingWaits.enrollmentCheck.maxDelayMs,
      );
      expect(checks[checks.length - 1]).toBe(14 * day);
      expect(run.timers.every((t) => t.fireAt.getTime() <= t0 + 14 * day)).toBe(true);
      expect(run.calls(a.getEncryptionState)).toHaveLength(0);
    });

    it('counts the deadline from the start of the onboarding, not from the end of the import', async () => {
      const run = await onboarding({ ...request, enrollmentDeadline: 'P1D' })
        .onActivity(a.getAutopilotImportStatus, (_input, call) =>
          call.now.getTime() >= t0 + 4 * hour ? { state: 'complete' } : { state: 'pending' },
        )
        .onActivity(a.getEnrollment, { enrolled: false, state: 'notEnrolled' })
        .run<OnboardingOutcome>();
      expect(outcomeOf(run)).toMatchObject({ reason: 'enrollmentTimedOut' });
      const checks = run.calls(a.getEnrollment);
      expect(checks[0]!.at.getTime()).toBeGreaterThanOrEqual(t0 + 4 * hour);
      expect(checks[checks.length - 1]!.at.toISOString()).toBe(at(day));
    });

    it('checks once and fails when the import alone used up the deadline', async () => {
      const run = await onboarding({ ...request, enrollmentDeadline: 'PT2H' })
        .onActivity(a.getAutopilotImportStatus, (_input, call) =>
          call.now.getTime() >= t0 + 3 * hour ? { state: 'complete' } : { state: 'pending' },
        )
        .onActivity(a.getEnrollment, { enrolled: false, state: 'notEnrolled' })
        .run<OnboardingOutcome>();
      expect(outcomeOf(run)).toEqual({
        status: 'failed',
        reason: 'enrollmentTimedOut',
        detail: 'The device did not enroll within PT2H.',
      });
      expect(run.calls(a.getEnrollment)).toHaveLength(1);
    });
  });

  describe('BitLocker', () => {
    const unencrypted: EncryptionState = { encrypted: false, tpmPresent: true, recoveryKeyEscrowed: false };

    it('remediates once (sync and key rotation) and succeeds when BitLocker then verifies', async () => {
      const run = await onboarding()
        .onActivity(a.getEncryptionState, (_input, call) =>
          call.now.getTime() > t0 + onboardingWaits.encryptionCheck.budgetMs ? secure : unencrypted,
        )
        .run<OnboardingOutcome>();
      expect(outcomeOf(run).status).toBe('onboarded');
      expect(run.calls(a.remediateEncryption)).toEqual([
        expect.objectContaining({
          input: enrolled,
          at: new Date(t0 + onboardingWaits.encryptionCheck.budgetMs),
        }),
      ]);
      expect(stepOutcomes(run)).toMatchObject({ encryption: 'remediated', defender: 'succeeded' });
      expect(recordOf(run).observed.encryption).toEqual(secure);
    });

    it('fails as encryptionNotVerified after one remediation and a second full wait', async () => {
      const run = await onboarding().onActivity(a.getEncryptionState, unencrypted).run<OnboardingOutcome>();
      expect(outcomeOf(run)).toEqual({
        status: 'failed',
        reason: 'encryptionNotVerified',
        detail:
          'BitLocker not verified after remediation: encrypted=false, tpm=true, recoveryKeyEscrowed=false.',
        managedDeviceId: 'md-1',
        azureADDeviceId: 'aad-1',
      });
      expect(run.calls(a.remediateEncryption)).toHaveLength(1);
      const last = run.calls(a.getEncryptionState).at(-1)!;
      expect(last.at.toISOString()).toBe(at(2 * onboardingWaits.encryptionCheck.budgetMs));
      expect(run.customStatuses).toContainEqual(
        expect.objectContaining({
          step: 'encryption',
          waitingFor: 'BitLocker after a sync and key rotation',
        }),
      );
      expect(stepOutcomes(run)).toEqual({
        autopilotImport: 'succeeded',
        deploymentProfile: 'succeeded',
        enrollment: 'succeeded',
        encryption: 'failed',
      });
      expect(recordOf(run).observed).toEqual({ encryption: unencrypted });
      expect(run.calls(a.getDefenderState)).toHaveLength(0);
    });
  });

  describe('Defender', () => {
    const stale: DefenderState = { onboarded: true, active: true, signaturesCurrent: false };

    it('remediates once (signature update) and succeeds when Defender is then healthy', async () => {
      const run = await onboarding()
        .onActivity(a.getDefenderState, (_input, call) =>
          call.now.getTime() > t0 + onboardingWaits.defenderCheck.budgetMs ? healthy : stale,
        )
        .run<OnboardingOutcome>();
      expect(outcomeOf(run).status).toBe('onboarded');
      expect(run.calls(a.remediateDefender)).toHaveLength(1);
      expect(run.calls(a.remediateEncryption)).toHaveLength(0);
      expect(stepOutcomes(run)).toMatchObject({ encryption: 'succeeded', defender: 'remediated' });
    });

    it('fails as defenderNotHealthy after one remediation, keeping the enrolled ids', async () => {
      const run = await onboarding().onActivity(a.getDefenderState, stale).run<OnboardingOutcome>();
      expect(outcomeOf(run)).toEqual({
        status: 'failed',
        reason: 'defenderNotHealthy',
        detail:
          'Defender not healthy after remediation: onboarded=true, active=true, signaturesCurrent=false.',
        managedDeviceId: 'md-1',
        azureADDeviceId: 'aad-1',
      });
      expect(run.calls(a.remediateDefender)).toHaveLength(1);
      expect(run.calls(a.getDefenderState).at(-1)!.at.toISOString()).toBe(
        at(2 * onboardingWaits.defenderCheck.budgetMs),
      );
      expect(recordOf(run).observed).toEqual({ encryption: secure, defender: stale });
      expect(run.calls(a.ensureE5Licence)).toHaveLength(0);
    });
  });

  describe('licence', () => {
    it('fails as noLicenceSeats with the seat numbers', async () => {
      const run = await onboarding()
        .onActivity(a.ensureE5Licence, { kind: 'noSeats', enabled: 40, consumed: 40 })
        .run<OnboardingOutcome>();
      expect(outcomeOf(run)).toEqual({
        status: 'failed',
        reason: 'noLicenceSeats',
        detail: 'No free E5 seats: 40 of 40 in use.',
        managedDeviceId: 'md-1',
        azureADDeviceId: 'aad-1',
      });
      expect(run.calls(a.assignUpdateRing)).toHaveLength(0);
    });

    it('fails as userNotFound when the assigned user does not exist', async () => {
      const run = await onboarding()
        .onActivity(a.ensureE5Licence, { kind: 'userNotFound' })
        .run<OnboardingOutcome>();
      expect(outcomeOf(run)).toMatchObject({
        status: 'failed',
        reason: 'userNotFound',
        detail: 'The assigned user does not exist in the tenant.',
      });
    });
  });

  describe('activity failures', () => {
    it('fails as stepFailed when an activity reports a permanent failure, without retrying it', async () => {
      const run = await onboarding()
        .onActivity(
          a.assignDeploymentProfile.name,
          permanentFailure('Forbidden', 'the app may not assign profiles'),
        )
        .run<OnboardingOutcome>();
      expect(outcomeOf(run)).toEqual({
        status: 'failed',
        reason: 'stepFailed',
        detail: 'assignDeploymentProfile: the app may not assign profiles',
      });
      expect(run.calls(a.assignDeploymentProfile)).toHaveLength(1);
      expect(stepOutcomes(run)).toEqual({ autopilotImport: 'succeeded', deploymentProfile: 'failed' });
    });

    it('retries a transient failure with the transient policy and carries on when an attempt succeeds', async () => {
      const run = await onboarding()
        .onActivity(
          a.assignUpdateRing,
          sequence([
            fail('Graph answered 503'),
            fail('Graph answered 503'),
            { ring: 'fast', groupId: 'g-fast' },
          ]),
        )
        .run<OnboardingOutcome>();
      expect(outcomeOf(run)).toMatchObject({ status: 'onboarded', ring: 'fast' });
      expect(run.calls(a.assignUpdateRing).map((c) => c.at.toISOString())).toEqual([
        at(0),
        at(5_000),
        at(15_000),
      ]);
    });

    it('fails as unexpectedError once the retries run out', async () => {
      const run = await onboarding()
        .onActivity(a.getEnrollment, fail('Graph answered 503'))
        .run<OnboardingOutcome>();
      const outcome = outcomeOf(run);
      expect(outcome).toMatchObject({ status: 'failed', reason: 'unexpectedError' });
      expect(outcome.status === 'failed' && outcome.detail).toContain(
        "Activity function 'getEnrollment' failed: Graph answered 503",
      );
      const attempts = run.calls(a.getEnrollment);
      expect(attempts).toHaveLength(transientRetry.maxAttempts);
      // 5 s, then doubling: 10 s, 20 s, 40 s between attempts.
      expect(attempts.map((c) => c.at.getTime() - t0)).toEqual([0, 5_000, 15_000, 35_000, 75_000]);
      expect(stepOutcomes(run)).toMatchObject({ enrollment: 'failed' });
    });

    it('fails the orchestration itself when the record cannot be written', async () => {
      const run = await onboarding().onActivity(a.recordOnboarding, fail('Cosmos unavailable')).run();
      expect(run.status).toBe('Failed');
      expect(run.error).toContain("Activity function 'recordOnboarding' failed: Cosmos unavailable");
      expect(run.calls(a.recordOnboarding)).toHaveLength(transientRetry.maxAttempts);
    });
  });
});
