import {
  type CallInfo,
  fail,
  orchestrationHarness,
  sequence,
  type OrchestrationRun,
} from '@mds/durable-harness';
import {
  type EncryptionState,
  type DefenderState,
  deviceStateEventName,
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
      observed: {
        kind: 'enrollment',
        enrollment: { enrolled: true, managedDeviceId: 'md-1', azureADDeviceId: 'aad-1' },
      },
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
      call.raiseEvent(
        deviceStateEventName(wait.waitId),
        { waitId: wait.waitId, observed: report.observed },
        {
          afterMs: report.afterMs,
        },
      );
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
    it('onboards a device that waits on the watcher at import and enrollment, recording every step', async () => {
      const run = await onboarding().run<OnboardingOutcome>();

      expect(outcomeOf(run)).toEqual({
        status: 'onboarded',
        managedDeviceId: 'md-1',
        azureADDeviceId: 'aad-1',
        ring: 'broad',
      });
      expect(run.activities.map((c) => c.name)).toEqual([
        a.awaitDeviceState.name,
        a.assignDeploymentProfile.name,
        a.awaitDeviceState.name,
        a.awaitDeviceState.name,
        a.awaitDeviceState.name,
        a.ensureE5Licence.name,
        a.assignUpdateRing.name,
        a.recordOnboarding.name,
      ]);
      const waits = waitsOf(run);
      expect(waits.map((w) => [w.kind, w.waitId])).toEqual([
        ['import', 'import:1'],
        ['enrollment', 'enrollment:2'],
        ['encryption', 'encryption:3'],
        ['defender', 'defender:4'],
      ]);
      expect(waits[0]).toEqual({
        ...key,
        instanceId: 'onboard:tenant-contoso:SN-0001',
        waitId: 'import:1',
        kind: 'import',
        deadline: at(onboardingWaits.importBudgetMs),
        since: at(0),
        import: {
          orderId: request.orderId,
          hardwareHash: request.hardwareHash,
          groupTag: request.groupTag,
          assignedUserPrincipalName: request.assignedUserPrincipalName,
        },
      });
      expect(waits[1]?.deadline).toBe(at(14 * day));
      expect(waits[2]?.device).toEqual({ managedDeviceId: 'md-1', azureADDeviceId: 'aad-1' });
      // The Entra device id the watcher saw at import spares the profile step a lookup.
      expect(run.calls(a.assignDeploymentProfile)[0]?.input).toEqual({
        ...key,
        groupTag: 'Standard',
        azureADDeviceId: 'aad-1',
      });
      expect(run.calls(a.ensureE5Licence)[0]?.input).toEqual({
        tenantId: request.tenantId,
        userPrincipalName: request.assignedUserPrincipalName,
      });
      expect(run.calls(a.assignUpdateRing)[0]?.input).toEqual(enrolled);
      // Every deadline timer lost its race to an event and was cancelled: nothing is left pending.
      expect(run.timers.filter((t) => !t.fired).every((t) => t.canceled)).toBe(true);

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

    it('shows the step, what it waits for and the steps so far in custom status', async () => {
      const waiting = await onboarding(request, { enrollment: () => [] }).run({ until: at(20 * minute) });
      expect(waiting.status).toBe('Running');
      expect(waiting.customStatus).toEqual({
        step: 'enrollment',
        waitingFor: 'the device to enroll (deadline P14D after the order)',
        until: at(14 * day),
        completed: [
          { step: 'autopilotImport', outcome: 'succeeded' },
          { step: 'deploymentProfile', outcome: 'succeeded' },
        ],
      });

      const done = await onboarding().run();
      expect(
        done.customStatuses
          .map((s) => (s as { step: string }).step)
          .filter((step, i, all) => step !== all[i - 1]),
      ).toEqual([...onboardingSteps, 'recording']);
      expect(done.customStatus).toEqual({
        step: 'recording',
        completed: onboardingSteps.map((step) => ({ step, outcome: 'succeeded' })),
      });
    });

    it('ignores an event meant for another wait, and states that are not yet done', async () => {
      const run = await onboarding(request, {
        // Not escrowed yet at once, then secure five minutes later.
        encryption: () => [
          ...encryptionReport({ ...secure, recoveryKeyEscrowed: false }),
          ...encryptionReport(secure, 5 * minute),
        ],
        defender: (wait, call) => {
          // A stale event naming another wait arrives first under this wait's name; it must not end this one.
          call.raiseEvent(deviceStateEventName(wait.waitId), {
            waitId: 'encryption:3',
            observed: { kind: 'defender', defender: healthy },
          });
          return defenderReport(healthy, 10 * minute);
        },
      }).run<OnboardingOutcome>();
      expect(outcomeOf(run).status).toBe('onboarded');
      const steps = recordOf(run).steps;
      expect(steps.find((s) => s.step === 'encryption')?.endedAt).toBe(at(16 * minute + 5 * minute));
      expect(steps.find((s) => s.step === 'defender')?.endedAt).toBe(at(31 * minute));
    });

    it('registers a wait again after an hour, which restarts a lost watcher, and takes the event that follows', async () => {
      let registrations = 0;
      const run = await onboarding(request, {
        // The watcher is gone: the first registration hears nothing; the second starts a watcher, which reports.
        import: () =>
          ++registrations === 1
            ? []
            : importReport({ state: 'complete', azureADDeviceId: 'aad-1' }, 5 * minute),
      }).run<OnboardingOutcome>();
      expect(outcomeOf(run).status).toBe('onboarded');
      const imports = run.calls(a.awaitDeviceState).filter((c) => c.input.kind === 'import');
      expect(imports.map((c) => c.at.getTime() - t0)).toEqual([0, hour]);
      expect(imports[1]!.input).toEqual(imports[0]!.input);
      expect(recordOf(run).steps[0]).toMatchObject({
        step: 'autopilotImport',
        endedAt: at(hour + 5 * minute),
      });
      // The timer that lost to the event was cancelled; none is left pending.
      expect(run.timers.filter((t) => !t.fired && !t.canceled)).toEqual([]);
    });

    it('accepts a device already registered to the tenant', async () => {
      const run = await onboarding(request, {
        import: () => importReport({ state: 'alreadyRegistered', autopilotDeviceId: 'ap-1' }),
      }).run<OnboardingOutcome>();
      expect(outcomeOf(run).status).toBe('onboarded');
      expect(run.calls(a.assignDeploymentProfile)[0]?.input).toEqual({ ...key, groupTag: 'Standard' });
    });

    it('records a licence the user already held', async () => {
      const run = await onboarding().onActivity(a.ensureE5Licence, { kind: 'alreadyLicensed' }).run();
      expect(recordOf(run).observed.licence).toBe('alreadyLicensed');
    });
  });

  describe('Autopilot import', () => {
    it('fails as registeredToAnotherTenant, without touching the device further', async () => {
      const run = await onboarding(request, {
        import: () =>
          importReport({
            state: 'registeredToAnotherTenant',
            errorCode: 806,
            errorName: 'ZtdDeviceAssignedToOtherTenant',
          }),
      }).run<OnboardingOutcome>();
      expect(outcomeOf(run)).toEqual({
        status: 'failed',
        reason: 'registeredToAnotherTenant',
        detail: 'Autopilot refused the import: ZtdDeviceAssignedToOtherTenant (806).',
      });
      expect(run.activities.map((c) => c.name)).toEqual([a.awaitDeviceState.name, a.recordOnboarding.name]);
      expect(recordOf(run).steps).toEqual([
        expect.objectContaining({ step: 'autopilotImport', outcome: 'failed', detail: expect.any(String) }),
      ]);
    });

    it('fails as importFailed when Autopilot reports an error', async () => {
      const run = await onboarding(request, {
        import: () => importReport({ state: 'failed', errorCode: 808, errorName: 'ZtdDeviceDuplicated' }),
      }).run<OnboardingOutcome>();
      expect(outcomeOf(run)).toEqual({
        status: 'failed',
        reason: 'importFailed',
        detail: 'Autopilot import failed: ZtdDeviceDuplicated (808).',
      });
    });

    it('fails as importFailed at its 24-hour deadline when the watcher reports nothing', async () => {
      const run = await onboarding(request, { import: () => [] }).run<OnboardingOutcome>();
      expect(outcomeOf(run)).toEqual({
        status: 'failed',
        reason: 'importFailed',
        detail: 'Autopilot did not finish the import in time.',
      });
      expect(recordOf(run).endedAt).toBe(at(onboardingWaits.importBudgetMs));
      expect(run.calls(a.assignDeploymentProfile)).toHaveLength(0);
    });
  });

  describe('enrollment', () => {
    it('fails as enrollmentTimedOut exactly at the deadline, with one wait registered again at growing intervals and no polling', async () => {
      const run = await onboarding(request, { enrollment: () => [] }).run<OnboardingOutcome>();
      expect(outcomeOf(run)).toEqual({
        status: 'failed',
        reason: 'enrollmentTimedOut',
        detail: 'The device did not enroll within P14D.',
      });
      // The same registration each time (it restarts a dead watcher), 1 h, 2 h, 4 h, then every 6 h apart.
      const registrations = run.calls(a.awaitDeviceState).filter((c) => c.input.kind === 'enrollment');
      expect(new Set(registrations.map((c) => JSON.stringify(c.input))).size).toBe(1);
      const gaps = registrations.slice(1).map((c, i) => c.at.getTime() - registrations[i]!.at.getTime());
      expect(gaps.slice(0, 4)).toEqual([hour, 2 * hour, 4 * hour, 6 * hour]);
      expect(gaps.slice(3).every((gap) => gap === 6 * hour)).toBe(true);
      expect(registrations.at(-1)!.at.getTime()).toBeGreaterThan(t0 + 14 * day - 6 * hour);
      expect(recordOf(run).endedAt).toBe(at(14 * day));
      expect(run.timers.every((t) => t.fireAt.getTime() <= t0 + 14 * day)).toBe(true);
      expect(waitsOf(run).some((w) => w.kind === 'encryption')).toBe(false);
    });

    it('counts the deadline from the start of the onboarding, not from the end of the import', async () => {
      const run = await onboarding(
        { ...request, enrollmentDeadline: 'P1D' },
        {
          import: () => importReport({ state: 'complete' }, 4 * hour),
          enrollment: () => [],
        },
      ).run<OnboardingOutcome>();
      expect(outcomeOf(run)).toMatchObject({ reason: 'enrollmentTimedOut' });
      const enrollment = waitsOf(run).find((w) => w.kind === 'enrollment')!;
      expect(enrollment.deadline).toBe(at(day));
      expect(recordOf(run).endedAt).toBe(at(day));
    });

    it('fails at once when the import alone used up the deadline', async () => {
      const run = await onboarding(
        { ...request, enrollmentDeadline: 'PT2H' },
        { import: () => importReport({ state: 'complete' }, 3 * hour) },
      ).run<OnboardingOutcome>();
      expect(outcomeOf(run)).toEqual({
        status: 'failed',
        reason: 'enrollmentTimedOut',
        detail: 'The device did not enroll within PT2H.',
      });
      expect(recordOf(run).endedAt).toBe(at(3 * hour));
    });
  });

  describe('BitLocker', () => {
    const unencrypted: EncryptionState = { encrypted: false, tpmPresent: true, recoveryKeyEscrowed: false };

    it('remediates once (sync and key rotation) and succeeds when BitLocker then verifies', async () => {
      const run = await onboarding(request, {
        encryption: (wait) => encryptionReport(wait.waitId === 'encryption:3' ? unencrypted : secure, minute),
      }).run<OnboardingOutcome>();
      expect(outcomeOf(run).status).toBe('onboarded');
      expect(run.calls(a.remediateEncryption)).toEqual([
        expect.objectContaining({
          // The instance and its run travel with the device so that the remediation's audit record names them.
          input: { ...enrolled, instanceId: expect.any(String), runStartedAt: expect.any(String) },
          at: new Date(t0 + 16 * minute + onboardingWaits.encryptionBudgetMs),
        }),
      ]);
      expect(stepOutcomes(run)).toMatchObject({ encryption: 'remediated', defender: 'succeeded' });
      expect(recordOf(run).observed.encryption).toEqual(secure);
    });

    it('fails as encryptionNotVerified after one remediation and a second full wait', async () => {
      const run = await onboarding(request, {
        encryption: () => encryptionReport(unencrypted),
      }).run<OnboardingOutcome>();
      expect(outcomeOf(run)).toEqual({
        status: 'failed',
        reason: 'encryptionNotVerified',
        detail:
          'BitLocker not verified after remediation: encrypted=false, tpm=true, recoveryKeyEscrowed=false.',
        managedDeviceId: 'md-1',
        azureADDeviceId: 'aad-1',
      });
      expect(run.calls(a.remediateEncryption)).toHaveLength(1);
      expect(recordOf(run).endedAt).toBe(at(16 * minute + 2 * onboardingWaits.encryptionBudgetMs));
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
      expect(waitsOf(run).some((w) => w.kind === 'defender')).toBe(false);
    });
  });

  describe('Defender', () => {
    const stale: DefenderState = { onboarded: true, active: true, signaturesCurrent: false };

    it('remediates once (signature update) and succeeds when Defender is then healthy', async () => {
      const run = await onboarding(request, {
        defender: (wait) => defenderReport(wait.waitId === 'defender:4' ? stale : healthy),
      }).run<OnboardingOutcome>();
      expect(outcomeOf(run).status).toBe('onboarded');
      expect(run.calls(a.remediateDefender)).toHaveLength(1);
      expect(run.calls(a.remediateEncryption)).toHaveLength(0);
      expect(stepOutcomes(run)).toMatchObject({ encryption: 'succeeded', defender: 'remediated' });
    });

    it('fails as defenderNotHealthy after one remediation, keeping the enrolled ids', async () => {
      const run = await onboarding(request, {
        defender: () => defenderReport(stale),
      }).run<OnboardingOutcome>();
      expect(outcomeOf(run)).toEqual({
        status: 'failed',
        reason: 'defenderNotHealthy',
        detail:
          'Defender not healthy after remediation: onboarded=true, active=true, signaturesCurrent=false.',
        managedDeviceId: 'md-1',
        azureADDeviceId: 'aad-1',
      });
      expect(run.calls(a.remediateDefender)).toHaveLength(1);
      expect(recordOf(run).endedAt).toBe(at(16 * minute + 2 * onboardingWaits.defenderBudgetMs));
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
        at(16 * minute),
        at(16 * minute + 5_000),
        at(16 * minute + 15_000),
      ]);
    });

    it('fails as unexpectedError once the retries run out', async () => {
      const run = await onboarding()
        .onActivity(a.assignDeploymentProfile, fail('Graph answered 503'))
        .run<OnboardingOutcome>();
      const outcome = outcomeOf(run);
      expect(outcome).toMatchObject({ status: 'failed', reason: 'unexpectedError' });
      expect(outcome.status === 'failed' && outcome.detail).toContain(
        "Activity function 'assignDeploymentProfile' failed: Graph answered 503",
      );
      const attempts = run.calls(a.assignDeploymentProfile);
      expect(attempts).toHaveLength(transientRetry.maxAttempts);
      // 5 s, then doubling up to the policy's cap between attempts (after the import's one minute).
      const offsets = attempts.map((c) => c.at.getTime() - t0 - minute);
      expect(offsets.slice(0, 5)).toEqual([0, 5_000, 15_000, 35_000, 75_000]);
      const gaps = offsets.slice(1).map((offset, i) => offset - (offsets[i] ?? 0));
      expect(gaps).toEqual(
        gaps.map((_, i) =>
          Math.min(
            transientRetry.firstRetryIntervalMs * transientRetry.backoffCoefficient ** i,
            transientRetry.maxRetryIntervalMs,
          ),
        ),
      );
      // As in the Durable Task Framework, a retry is scheduled only while the budget since the first attempt lasts.
      expect(offsets.slice(0, -1).every((offset) => offset < transientRetry.retryTimeoutMs)).toBe(true);
      expect(stepOutcomes(run)).toMatchObject({ deploymentProfile: 'failed' });
    });

    it('fails the orchestration itself when the record cannot be written', async () => {
      const run = await onboarding().onActivity(a.recordOnboarding, fail('Cosmos unavailable')).run();
      expect(run.status).toBe('Failed');
      expect(run.error).toContain("Activity function 'recordOnboarding' failed: Cosmos unavailable");
      expect(run.calls(a.recordOnboarding)).toHaveLength(transientRetry.maxAttempts);
    });
  });
});
