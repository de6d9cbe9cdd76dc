import { type OrchestrationContext, type Task, type TimerTask } from 'durable-functions';
import { callActivity } from '../durable/activity';
import {
  accessActivities as a,
  accessLimits,
  type CheckedOut,
  credentialRotationOrchestration,
  credentialSignals,
  type CredentialRequestInput,
  type Decision,
  type ExpiryOutcome,
  type LeaseEnded,
  type RequestOutcome,
  requestLockKey,
  rotationInstanceId,
} from './contract';
import { type RotationResult } from './credential-rotation.orchestrator';

/**
 * One request for one checkout, from request to rotation. The HTTP handlers change the request's record (under its
 * ETag) and then raise an event here; this orchestration keeps the clock: it escalates a request nobody answered
 * within 30 minutes (break glass becomes possible), expires it unanswered after 12 hours, ends the lease when its
 * time is up, and rotates the password at once when the lease ends for any reason. When a timer fires just after a
 * handler changed the record, the activity finds the change and the handler's event follows.
 */
export function* credentialRequestOrchestrator(
  context: OrchestrationContext,
): Generator<Task, RequestOutcome, unknown> {
  const input = context.df.getInput<CredentialRequestInput>();
  const after = (ms: number): Date => new Date(context.df.currentUtcDateTime.getTime() + ms);
  const status = (value: string): void => context.df.setCustomStatus({ status: value });

  // 1. An answer: approved, denied or broken glass; else expired after 12 hours.
  status('pending');
  const decided = context.df.waitForExternalEvent(credentialSignals.decided);
  let decision: Decision | undefined;
  const escalation = context.df.createTimer(after(accessLimits.breakGlassAfterMs));
  if ((yield context.df.Task.any([decided, escalation])) === decided) {
    escalation.cancel();
    decision = decided.result as Decision;
  } else {
    yield* callActivity(context, a.escalateRequest, input);
    const expiry = context.df.createTimer(
      after(accessLimits.unansweredAfterMs - accessLimits.breakGlassAfterMs),
    );
    const answer = yield* eventOrExpiry(context, decided, expiry, function* () {
      return yield* callActivity(context, a.expireRequest, { ...input, stage: 'unanswered' });
    });
    decision = answer.kind === 'event' ? (answer.value as Decision) : decisionOf(answer.found);
  }
  if (!decision) return { requestId: input.requestId, status: 'expired' };
  if (decision.outcome === 'denied') return { requestId: input.requestId, status: 'denied' };

  // 2. The checkout, within 12 hours of the approval.
  status('approved');
  const checkedOutTask = context.df.waitForExternalEvent(credentialSignals.checkedOut);
  const answer = yield* eventOrExpiry(
    context,
    checkedOutTask,
    context.df.createTimer(after(accessLimits.checkoutWithinMs)),
    function* () {
      return yield* callActivity(context, a.expireRequest, { ...input, stage: 'notCheckedOut' });
    },
  );
  // The lease's end: from the checkout event, or (the event lost) the end the record holds.
  const leaseEndsAt =
    answer.kind === 'event'
      ? after((answer.value as CheckedOut).leaseMinutes * 60_000)
      : answer.found?.leaseEndsAt
        ? new Date(answer.found.leaseEndsAt)
        : undefined;
  if (!leaseEndsAt) return { requestId: input.requestId, status: 'expired' };

  // 3. The lease: checked in, revoked, or its time is up.
  status('checkedOut');
  const endedTask = context.df.waitForExternalEvent(credentialSignals.ended);
  const leaseTimer = context.df.createTimer(leaseEndsAt);
  let reason: LeaseEnded['reason'] | 'leaseExpired';
  if ((yield context.df.Task.any([endedTask, leaseTimer])) === endedTask) {
    leaseTimer.cancel();
    reason = (endedTask.result as LeaseEnded).reason;
  } else {
    const found = yield* callActivity(context, a.expireLease, input);
    reason = found.ended ? 'leaseExpired' : found.reason;
  }

  // 4. Rotation at once: the password the holder saw dies with the lease.
  status('rotating');
  const rotation = (yield context.df.callSubOrchestrator(
    credentialRotationOrchestration,
    {
      tenantId: input.tenantId,
      account: input.account,
      lockKey: requestLockKey(input.requestId),
      reason,
      requestId: input.requestId,
    },
    rotationInstanceId(requestLockKey(input.requestId)),
  )) as RotationResult;
  status(rotation.rotated ? 'rotated' : 'rotationFailed');
  return {
    requestId: input.requestId,
    status: reason,
    ...(rotation.rotated ? { rotatedVersion: rotation.version } : {}),
  };
}

type Answer =
  | { kind: 'event'; value: unknown }
  | { kind: 'timer'; found: (ExpiryOutcome & { expired: false }) | undefined };

/**
 * Waits for `event` or `timer`; when the timer wins, `expire` runs. It either expired the request (`found`
 * undefined) or found the record already moved on (a handler wrote just before the timer fired, or its event was
 * lost), and the record says where to.
 */
function* eventOrExpiry(
  context: OrchestrationContext,
  event: Task,
  timer: TimerTask,
  expire: () => Generator<Task, ExpiryOutcome, unknown>,
): Generator<Task, Answer, unknown> {
  if ((yield context.df.Task.any([event, timer])) === event) {
    timer.cancel();
    return { kind: 'event', value: event.result };
  }
  const found = yield* expire();
  return { kind: 'timer', found: found.expired ? undefined : found };
}

/** The decision a record holds when the expiry found it decided. */
function decisionOf(found: (ExpiryOutcome & { expired: false }) | undefined): Decision | undefined {
  if (!found) return undefined;
  if (found.status === 'denied') return { outcome: 'denied' };
  return { outcome: 'approved' };
}
