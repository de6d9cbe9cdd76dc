import { type OrchestrationContext, type OrchestrationHandler, type Task } from 'durable-functions';
import { callActivity, PermanentActivityFailure } from '../durable/activity';
import { pollUntil, type PollSchedule } from '../durable/poll';
import { isoDurationMs } from '../durable/iso-duration';
import {
  type EnrolledDevice,
  type FailureReason,
  onboardingActivities as a,
  type OnboardingOutcome,
  type ObservedSecurity,
  type OnboardingRequest,
  type OnboardingStep,
  type StepRecord,
} from './contract';

const minute = 60_000;
const hour = 60 * minute;

/** How long each wait may last and how often it checks; the enrollment deadline comes from settings. */
export const onboardingWaits = {
  importCheck: { firstDelayMs: 1 * minute, maxDelayMs: 15 * minute, factor: 2, budgetMs: 24 * hour },
  enrollmentCheck: { firstDelayMs: 15 * minute, maxDelayMs: 6 * hour, factor: 2 },
  encryptionCheck: { firstDelayMs: 10 * minute, maxDelayMs: 2 * hour, factor: 2, budgetMs: 24 * hour },
  defenderCheck: { firstDelayMs: 10 * minute, maxDelayMs: 2 * hour, factor: 2, budgetMs: 12 * hour },
} as const;

export interface OnboardingStatus {
  step: OnboardingStep | 'recording';
  waitingFor?: string;
  nextCheckAt?: string;
  checks?: number;
  /** The steps finished so far, in order, with how each ended. */
  completed?: { step: OnboardingStep; outcome: StepRecord['outcome'] }[];
}

/** A business failure of a step: it ends the onboarding with a reason, it is not retried. */
class StepFailure extends Error {
  constructor(
    readonly reason: FailureReason,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/**
 * One device from Autopilot registration to a trusted, healthy, licensed device. Every side effect is an activity;
 * every wait is a durable timer; a business failure ends the run with a typed reason instead of an exception.
 */
export const onboardDeviceOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const request = context.df.getInput<OnboardingRequest>();
  const now = (): Date => context.df.currentUtcDateTime;
  const startedAt = now().toISOString();
  const steps: StepRecord[] = [];
  let device: EnrolledDevice | undefined;
  const observed: ObservedSecurity = {};

  const status = (s: OnboardingStatus): void =>
    context.df.setCustomStatus({ ...s, completed: steps.map(({ step, outcome }) => ({ step, outcome })) });
  const schedule = (
    w: { firstDelayMs: number; maxDelayMs: number; factor: number },
    budgetMs: number,
  ): PollSchedule => ({
    ...w,
    deadline: new Date(now().getTime() + budgetMs),
  });
  const waiting = (step: OnboardingStep, waitingFor: string) => (_: unknown, next: Date, checks: number) =>
    status({ step, waitingFor, nextCheckAt: next.toISOString(), checks });

  function* step<T>(
    name: OnboardingStep,
    body: () => Generator<Task, T | StepFailure, unknown>,
    remediated = () => false,
  ): Generator<Task, T, unknown> {
    const began = now().toISOString();
    status({ step: name });
    let result: T | StepFailure;
    try {
      result = yield* body();
    } catch (error) {
      result = asStepFailure(error);
    }
    steps.push({
      step: name,
      outcome: result instanceof StepFailure ? 'failed' : remediated() ? 'remediated' : 'succeeded',
      startedAt: began,
      endedAt: now().toISOString(),
      ...(result instanceof StepFailure ? { detail: result.detail } : {}),
    });
    if (result instanceof StepFailure) throw result;
    return result;
  }

  /** Waits for a healthy state; if it does not come, remediates once and waits again before failing the step. */
  function* verifyWithOneRemediation<S>(v: {
    step: OnboardingStep;
    check: () => Generator<Task, S, unknown>;
    healthy: (state: S) => boolean;
    remediate: () => Generator<Task, void, unknown>;
    wait: { firstDelayMs: number; maxDelayMs: number; factor: number; budgetMs: number };
    waitingFor: [string, string];
    failure: (last: S) => StepFailure;
  }): Generator<Task, S, unknown> {
    let remediated = false;
    return yield* step(
      v.step,
      function* () {
        const first = yield* pollUntil(
          context,
          v.check,
          v.healthy,
          schedule(v.wait, v.wait.budgetMs),
          waiting(v.step, v.waitingFor[0]),
        );
        if (first.done) return first.value;
        remediated = true;
        yield* v.remediate();
        const second = yield* pollUntil(
          context,
          v.check,
          v.healthy,
          schedule(v.wait, v.wait.budgetMs),
          waiting(v.step, v.waitingFor[1]),
        );
        return second.done ? second.value : v.failure(second.last);
      },
      () => remediated,
    );
  }

  let outcome: OnboardingOutcome;
  try {
    yield* step('autopilotImport', function* () {
      const submission = yield* callActivity(context, a.submitAutopilotImport, request);
      if (submission.kind === 'alreadyRegistered') return submission;
      const key = {
        tenantId: request.tenantId,
        serialNumber: request.serialNumber,
        importedDeviceId: submission.importedDeviceId,
      };
      const w = onboardingWaits.importCheck;
      const polled = yield* pollUntil(
        context,
        () => callActivity(context, a.getAutopilotImportStatus, key),
        (s) => s.state !== 'pending',
        schedule(w, w.budgetMs),
        waiting('autopilotImport', 'Autopilot to process the import'),
      );
      const final = polled.done ? polled.value : polled.last;
      if (final.state === 'registeredToAnotherTenant')
        return new StepFailure(
          'registeredToAnotherTenant',
          `Autopilot refused the import: ${final.errorName} (${final.errorCode}).`,
        );
      if (final.state === 'failed')
        return new StepFailure(
          'importFailed',
          `Autopilot import failed: ${final.errorName} (${final.errorCode}).`,
        );
      if (final.state === 'pending')
        return new StepFailure('importFailed', 'Autopilot did not finish the import in time.');
      return final;
    });

    yield* step('deploymentProfile', () =>
      callActivity(context, a.assignDeploymentProfile, {
        tenantId: request.tenantId,
        serialNumber: request.serialNumber,
        groupTag: request.groupTag,
      }),
    );

    device = yield* step('enrollment', function* () {
      const key = { tenantId: request.tenantId, serialNumber: request.serialNumber };
      // The deadline runs from the start of this onboarding, in orchestration time.
      const budget = Math.max(
        0,
        Date.parse(startedAt) + isoDurationMs(request.enrollmentDeadline) - now().getTime(),
      );
      const polled = yield* pollUntil(
        context,
        () => callActivity(context, a.getEnrollment, key),
        (e) => e.enrolled,
        schedule(onboardingWaits.enrollmentCheck, budget),
        waiting(
          'enrollment',
          `the device to enroll (deadline ${request.enrollmentDeadline} after the order)`,
        ),
      );
      if (!polled.done || !polled.value.enrolled)
        return new StepFailure(
          'enrollmentTimedOut',
          `The device did not enroll within ${request.enrollmentDeadline}.`,
        );
      return {
        ...key,
        managedDeviceId: polled.value.managedDeviceId,
        azureADDeviceId: polled.value.azureADDeviceId,
      };
    });
    const enrolled = device;

    yield* verifyWithOneRemediation({
      step: 'encryption',
      check: function* () {
        const state = yield* callActivity(context, a.getEncryptionState, enrolled);
        observed.encryption = state;
        return state;
      },
      healthy: (e) => e.encrypted && e.tpmPresent && e.recoveryKeyEscrowed,
      remediate: () =>
        callActivity(context, a.remediateEncryption, {
          ...enrolled,
          instanceId: context.df.instanceId,
          runStartedAt: startedAt,
        }),
      wait: onboardingWaits.encryptionCheck,
      waitingFor: [
        'BitLocker with TPM and an escrowed recovery key',
        'BitLocker after a sync and key rotation',
      ],
      failure: (e) =>
        new StepFailure(
          'encryptionNotVerified',
          `BitLocker not verified after remediation: encrypted=${e.encrypted}, tpm=${e.tpmPresent}, recoveryKeyEscrowed=${e.recoveryKeyEscrowed}.`,
        ),
    });

    yield* verifyWithOneRemediation({
      step: 'defender',
      check: function* () {
        const state = yield* callActivity(context, a.getDefenderState, enrolled);
        observed.defender = state;
        return state;
      },
      healthy: (d) => d.onboarded && d.active && d.signaturesCurrent,
      remediate: () =>
        callActivity(context, a.remediateDefender, {
          ...enrolled,
          instanceId: context.df.instanceId,
          runStartedAt: startedAt,
        }),
      wait: onboardingWaits.defenderCheck,
      waitingFor: [
        'Defender for Endpoint onboarding and current AV definitions',
        'AV definitions after a signature update',
      ],
      failure: (d) =>
        new StepFailure(
          'defenderNotHealthy',
          `Defender not healthy after remediation: onboarded=${d.onboarded}, active=${d.active}, signaturesCurrent=${d.signaturesCurrent}.`,
        ),
    });

    yield* step('licence', function* () {
      const licence = yield* callActivity(context, a.ensureE5Licence, {
        tenantId: request.tenantId,
        userPrincipalName: request.assignedUserPrincipalName,
      });
      if (licence.kind === 'noSeats')
        return new StepFailure(
          'noLicenceSeats',
          `No free E5 seats: ${licence.consumed} of ${licence.enabled} in use.`,
        );
      if (licence.kind === 'userNotFound')
        return new StepFailure('userNotFound', 'The assigned user does not exist in the tenant.');
      observed.licence = licence.kind;
      return licence;
    });

    const ring = yield* step('updateRing', () => callActivity(context, a.assignUpdateRing, enrolled));
    outcome = {
      status: 'onboarded',
      managedDeviceId: enrolled.managedDeviceId,
      azureADDeviceId: enrolled.azureADDeviceId,
      ring: ring.ring,
    };
  } catch (error) {
    const failure = asStepFailure(error);
    outcome = {
      status: 'failed',
      reason: failure.reason,
      detail: failure.detail,
      ...(device ? { managedDeviceId: device.managedDeviceId, azureADDeviceId: device.azureADDeviceId } : {}),
    };
  }

  status({ step: 'recording' });
  yield* callActivity(context, a.recordOnboarding, {
    instanceId: context.df.instanceId,
    request,
    steps,
    observed,
    outcome,
    startedAt,
    endedAt: now().toISOString(),
  });
  return outcome;
};

function asStepFailure(error: unknown): StepFailure {
  if (error instanceof StepFailure) return error;
  if (error instanceof PermanentActivityFailure) return new StepFailure('stepFailed', error.message);
  return new StepFailure('unexpectedError', error instanceof Error ? error.message : String(error));
}
