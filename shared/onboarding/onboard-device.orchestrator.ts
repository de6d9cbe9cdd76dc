import {
  type OrchestrationContext,
  type OrchestrationHandler,
  type Task,
  type TimerTask,
} from 'durable-functions';
import { callActivity, PermanentActivityFailure } from '../durable/activity';
import { isoDurationMs } from '../durable/iso-duration';
import {
  type DefenderState,
  type DeviceStateEvent,
  deviceStateEventName,
  type EncryptionState,
  type EnrolledDevice,
  type FailureReason,
  type ImportStatus,
  type ObservedState,
  onboardingActivities as a,
  type OnboardingOutcome,
  type ObservedSecurity,
  type OnboardingRequest,
  type OnboardingStep,
  type StepRecord,
  type WaitKind,
  type WaitRegistration,
} from './contract';

const minute = 60_000;
const hour = 60 * minute;

/**
 * How long each wait may last; the enrollment deadline comes from settings. The device does not poll: its tenant's
 * watcher reads these states in bulk and raises an event when one changes.
 */
export const onboardingWaits = {
  importBudgetMs: 24 * hour,
  encryptionBudgetMs: 24 * hour,
  defenderBudgetMs: 12 * hour,
  /**
   * A wait that lasts registers itself again after these intervals (doubling from the first), which starts the
   * tenant's watcher again if it died (failed, terminated) while nothing new registered. A registration is
   * idempotent and reads no Graph: it costs one Cosmos write and one status read.
   */
  reregisterAfterMs: { firstMs: 1 * hour, maxMs: 6 * hour },
} as const;

export interface OnboardingStatus {
  step: OnboardingStep | 'recording';
  waitingFor?: string;
  /** When this wait gives up (ISO). */
  until?: string;
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

type Observed<K extends WaitKind> = Extract<ObservedState, { kind: K }>;

/**
 * One device from Autopilot registration to a trusted, healthy, licensed device. Every side effect is an activity;
 * every wait is its tenant watcher's event or its own deadline timer, whichever comes first; a business failure
 * ends the run with a typed reason instead of an exception.
 */
export const onboardDeviceOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const request = context.df.getInput<OnboardingRequest>();
  const now = (): Date => context.df.currentUtcDateTime;
  const startedAt = now().toISOString();
  const steps: StepRecord[] = [];
  let device: EnrolledDevice | undefined;
  const observed: ObservedSecurity = {};
  const key = { tenantId: request.tenantId, serialNumber: request.serialNumber };
  let waits = 0;

  const status = (s: OnboardingStatus): void =>
    context.df.setCustomStatus({ ...s, completed: steps.map(({ step, outcome }) => ({ step, outcome })) });

  /**
   * Registers the wait with the tenant's watcher, then waits for its events until one is done or the deadline
   * passes. Every event carries the state as the watcher last saw it; the last one is what a timed-out wait
   * reports. The losing timer is cancelled, so a finished wait leaves nothing pending.
   */
  function* awaitState<K extends WaitKind>(w: {
    step: OnboardingStep;
    kind: K;
    waitingFor: string;
    deadline: Date;
    isDone: (state: Observed<K>) => boolean;
    onState?: (state: Observed<K>) => void;
    extra?: Pick<WaitRegistration, 'import' | 'device'>;
  }): Generator<Task, { done: boolean; last?: Observed<K> }, unknown> {
    const waitId = `${w.kind}:${++waits}`;
    status({ step: w.step, waitingFor: w.waitingFor, until: w.deadline.toISOString() });
    const registration: WaitRegistration = {
      ...key,
      instanceId: context.df.instanceId,
      waitId,
      kind: w.kind,
      deadline: w.deadline.toISOString(),
      since: now().toISOString(),
      ...w.extra,
    };
    yield* callActivity(context, a.awaitDeviceState, registration);
    let last: Observed<K> | undefined;
    let interval: number = onboardingWaits.reregisterAfterMs.firstMs;
    let reregisterAt = now().getTime() + interval;
    for (;;) {
      if (now().getTime() >= w.deadline.getTime()) return { done: false, ...(last ? { last } : {}) };
      if (now().getTime() >= reregisterAt) {
        // The same registration again: nothing changes if the watcher runs; a dead one is started again.
        yield* callActivity(context, a.awaitDeviceState, registration);
        interval = Math.min(interval * 2, onboardingWaits.reregisterAfterMs.maxMs);
        reregisterAt = now().getTime() + interval;
        continue;
      }
      // A timer per race: a timer task yielded in a second Task.any is scheduled again by durable-functions 3.5.
      const timer: TimerTask = context.df.createTimer(new Date(Math.min(w.deadline.getTime(), reregisterAt)));
      // An event name per wait: the event task of a wait that timed out stays open, and durable-functions 3.5
      // would hand it the next event of its name; a task yielded in a second Task.any does not complete it.
      const event = context.df.waitForExternalEvent(deviceStateEventName(waitId));
      const winner: unknown = yield context.df.Task.any([event, timer]);
      if (winner === timer) continue;
      timer.cancel();
      const data = event.result as DeviceStateEvent;
      if (data.waitId !== waitId || data.observed.kind !== w.kind) continue;
      last = data.observed as Observed<K>;
      w.onState?.(last);
      if (w.isDone(last)) return { done: true, last };
    }
  }

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
  function* verifyWithOneRemediation<K extends 'encryption' | 'defender', S>(v: {
    step: OnboardingStep;
    kind: K;
    stateOf: (o: Observed<K>) => S;
    healthy: (state: S) => boolean;
    remediate: () => Generator<Task, void, unknown>;
    budgetMs: number;
    waitingFor: [string, string];
    failure: (last: S | undefined) => StepFailure;
    onState: (state: S) => void;
    device: EnrolledDevice;
  }): Generator<Task, S, unknown> {
    let remediated = false;
    const wait = (waitingFor: string) =>
      awaitState({
        step: v.step,
        kind: v.kind,
        waitingFor,
        deadline: new Date(now().getTime() + v.budgetMs),
        isDone: (o) => v.healthy(v.stateOf(o)),
        onState: (o) => v.onState(v.stateOf(o)),
        extra: {
          device: { managedDeviceId: v.device.managedDeviceId, azureADDeviceId: v.device.azureADDeviceId },
        },
      });
    return yield* step(
      v.step,
      function* () {
        const first = yield* wait(v.waitingFor[0]);
        if (first.done && first.last) return v.stateOf(first.last);
        remediated = true;
        yield* v.remediate();
        const second = yield* wait(v.waitingFor[1]);
        if (second.done && second.last) return v.stateOf(second.last);
        return v.failure(second.last ? v.stateOf(second.last) : undefined);
      },
      () => remediated,
    );
  }

  let outcome: OnboardingOutcome;
  try {
    const imported = yield* step('autopilotImport', function* () {
      const waited = yield* awaitState({
        step: 'autopilotImport',
        kind: 'import',
        waitingFor: 'Autopilot to process the import',
        deadline: new Date(now().getTime() + onboardingWaits.importBudgetMs),
        isDone: (o) => o.status.state !== 'pending',
        extra: {
          import: {
            orderId: request.orderId,
            hardwareHash: request.hardwareHash,
            groupTag: request.groupTag,
            assignedUserPrincipalName: request.assignedUserPrincipalName,
          },
        },
      });
      const final: ImportStatus = waited.last?.status ?? { state: 'pending' };
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
        ...key,
        groupTag: request.groupTag,
        ...(imported.azureADDeviceId ? { azureADDeviceId: imported.azureADDeviceId } : {}),
      }),
    );

    device = yield* step('enrollment', function* () {
      // The deadline runs from the start of this onboarding, in orchestration time.
      const deadline = new Date(Date.parse(startedAt) + isoDurationMs(request.enrollmentDeadline));
      const waited = yield* awaitState({
        step: 'enrollment',
        kind: 'enrollment',
        waitingFor: `the device to enroll (deadline ${request.enrollmentDeadline} after the order)`,
        deadline,
        isDone: (o) => o.enrollment.enrolled,
      });
      const enrollment = waited.last?.enrollment;
      if (!waited.done || !enrollment?.enrolled)
        return new StepFailure(
          'enrollmentTimedOut',
          `The device did not enroll within ${request.enrollmentDeadline}.`,
        );
      return {
        ...key,
        managedDeviceId: enrollment.managedDeviceId,
        azureADDeviceId: enrollment.azureADDeviceId,
      };
    });
    const enrolled = device;

    yield* verifyWithOneRemediation({
      step: 'encryption',
      kind: 'encryption',
      device: enrolled,
      stateOf: (o): EncryptionState => o.encryption,
      onState: (state) => (observed.encryption = state),
      healthy: (e) => e.encrypted && e.tpmPresent && e.recoveryKeyEscrowed,
      remediate: () =>
        callActivity(context, a.remediateEncryption, {
          ...enrolled,
          instanceId: context.df.instanceId,
          runStartedAt: startedAt,
        }),
      budgetMs: onboardingWaits.encryptionBudgetMs,
      waitingFor: [
        'BitLocker with TPM and an escrowed recovery key',
        'BitLocker after a sync and key rotation',
      ],
      failure: (e) =>
        new StepFailure(
          'encryptionNotVerified',
          e
            ? `BitLocker not verified after remediation: encrypted=${e.encrypted}, tpm=${e.tpmPresent}, recoveryKeyEscrowed=${e.recoveryKeyEscrowed}.`
            : 'BitLocker not verified after remediation: no state was reported.',
        ),
    });

    yield* verifyWithOneRemediation({
      step: 'defender',
      kind: 'defender',
      device: enrolled,
      stateOf: (o): DefenderState => o.defender,
      onState: (state) => (observed.defender = state),
      healthy: (d) => d.onboarded && d.active && d.signaturesCurrent,
      remediate: () =>
        callActivity(context, a.remediateDefender, {
          ...enrolled,
          instanceId: context.df.instanceId,
          runStartedAt: startedAt,
        }),
      budgetMs: onboardingWaits.defenderBudgetMs,
      waitingFor: [
        'Defender for Endpoint onboarding and current AV definitions',
        'AV definitions after a signature update',
      ],
      failure: (d) =>
        new StepFailure(
          'defenderNotHealthy',
          d
            ? `Defender not healthy after remediation: onboarded=${d.onboarded}, active=${d.active}, signaturesCurrent=${d.signaturesCurrent}.`
            : 'Defender not healthy after remediation: no state was reported.',
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
