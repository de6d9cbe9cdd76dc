import { fail, orchestrationHarness, sequence } from '@mds/durable-harness';
import {
  accessActivities as a,
  accessLimits,
  credentialRequestOrchestration,
  credentialRotationOrchestration,
  type CredentialRequestInput,
  rotationRetry,
  rotationRoundPauseMs,
  type RotationJob,
  scheduledRotationOrchestration,
} from '../../../../shared/access/contract';
import { credentialRequestOrchestrator } from '../../../../shared/access/credential-request.orchestrator';
import {
  credentialRotationOrchestrator,
  maxRotationRounds,
} from '../../../../shared/access/credential-rotation.orchestrator';
import { scheduledRotationOrchestrator } from '../../../../shared/access/scheduled-rotation.orchestrator';

const t0 = Date.parse('2026-03-02T09:00:00.000Z');
const minute = 60_000;
const hour = 60 * minute;
const input: CredentialRequestInput = { tenantId: 'tenant-1', requestId: 'a'.repeat(32), account: 'msadmin' };
const rotated = { rotated: true, version: 'v2', rotatedAt: 'x', disabledVersions: 1 };

function request() {
  return orchestrationHarness(credentialRequestOrchestrator, {
    input,
    startAt: t0,
    name: credentialRequestOrchestration,
    instanceId: `credential:${input.tenantId}:${input.requestId}`,
  })
    .onActivity(a.escalateRequest, undefined)
    .onActivity(a.expireRequest, { expired: true })
    .onActivity(a.expireLease, { ended: true })
    .onSubOrchestration(credentialRotationOrchestration, rotated);
}

describe('credentialRequest orchestrator (replayed)', () => {
  it('approved, checked out and checked in: rotates at once, with the request lock', async () => {
    const run = await request()
      .raiseEvent('decided', { outcome: 'approved' }, { afterMs: 5 * minute })
      .raiseEvent('checkedOut', { leaseMinutes: 60 }, { afterMs: 10 * minute })
      .raiseEvent('ended', { reason: 'checkedIn' }, { afterMs: 40 * minute })
      .run();
    expect(run.status).toBe('Completed');
    expect(run.output).toEqual({ requestId: input.requestId, status: 'checkedIn', rotatedVersion: 'v2' });
    expect(run.subOrchestrations.map((s) => [s.at.toISOString(), s.input])).toEqual([
      [
        new Date(t0 + 40 * minute).toISOString(),
        {
          tenantId: 'tenant-1',
          account: 'msadmin',
          lockKey: `request:${input.requestId}`,
          reason: 'checkedIn',
          requestId: input.requestId,
        },
      ],
    ]);
    expect(run.calls(a.escalateRequest)).toHaveLength(0);
    expect(run.customStatuses).toEqual([
      { status: 'pending' },
      { status: 'approved' },
      { status: 'checkedOut' },
      { status: 'rotating' },
      { status: 'rotated' },
    ]);
  });

  it('an unanswered request escalates after 30 minutes and expires after 12 hours', async () => {
    const run = await request().run();
    expect(run.output).toEqual({ requestId: input.requestId, status: 'expired' });
    expect(run.calls(a.escalateRequest).map((c) => c.at.toISOString())).toEqual([
      new Date(t0 + 30 * minute).toISOString(),
    ]);
    expect(run.calls(a.expireRequest).map((c) => [c.at.toISOString(), c.input])).toEqual([
      [new Date(t0 + accessLimits.unansweredAfterMs).toISOString(), { ...input, stage: 'unanswered' }],
    ]);
    expect(run.subOrchestrations).toHaveLength(0);
  });

  it('a lease nobody checks in ends on its timer and rotates', async () => {
    const run = await request()
      .raiseEvent('decided', { outcome: 'approved' }, { afterMs: minute })
      .raiseEvent('checkedOut', { leaseMinutes: 15 }, { afterMs: 2 * minute })
      .run();
    expect(run.output).toMatchObject({ status: 'leaseExpired' });
    expect(run.calls(a.expireLease).map((c) => c.at.toISOString())).toEqual([
      new Date(t0 + 17 * minute).toISOString(),
    ]);
  });

  it('a decision written just before the expiry timer is found on the record (its event lost)', async () => {
    const run = await request()
      .onActivity(
        a.expireRequest,
        sequence([
          { expired: false, status: 'approved' },
          { expired: false, status: 'checkedOut', leaseEndsAt: new Date(t0 + 25 * hour).toISOString() },
        ]),
      )
      .onActivity(a.expireLease, { ended: false, reason: 'revoked' })
      .run();
    expect(run.output).toMatchObject({ status: 'revoked', rotatedVersion: 'v2' });
    expect(run.calls(a.expireLease).map((c) => c.at.toISOString())).toEqual([
      new Date(t0 + 25 * hour).toISOString(),
    ]);
  });

  it('denied: nothing more happens', async () => {
    const run = await request().raiseEvent('decided', { outcome: 'denied' }, { afterMs: minute }).run();
    expect(run.output).toEqual({ requestId: input.requestId, status: 'denied' });
    expect(run.subOrchestrations).toHaveLength(0);
  });
});

describe('credentialRotation orchestrator (replayed)', () => {
  const job: RotationJob = {
    tenantId: 'tenant-1',
    account: 'msadmin',
    lockKey: 'request:x',
    reason: 'checkedIn',
    requestId: 'x',
  };
  const rotation = () =>
    orchestrationHarness(credentialRotationOrchestrator, {
      input: job,
      startAt: t0,
      name: credentialRotationOrchestration,
      instanceId: 'credential-rotation:request:x',
    }).onActivity(a.reportRotationFailure, undefined);

  it('retries with backoff, alerts when a round fails, and succeeds in the next round', async () => {
    const attempts = rotationRetry.maxAttempts;
    const run = await rotation()
      .onActivity(
        a.rotatePassword,
        sequence([
          ...Array.from({ length: attempts }, () => fail('Graph answered 503')),
          { version: 'v9', rotatedAt: 'y', disabledVersions: 1 },
        ]),
      )
      .run();
    expect(run.output).toEqual({ rotated: true, version: 'v9', rotatedAt: 'y', disabledVersions: 1 });
    expect(run.calls(a.rotatePassword)).toHaveLength(attempts + 1);
    const waits = run
      .calls(a.rotatePassword)
      .map((c, i, all) => (i === 0 ? 0 : c.at.getTime() - all[i - 1]!.at.getTime()));
    expect(waits.slice(1, 4)).toEqual([2_000, 4_000, 8_000]);
    const [report] = run.calls(a.reportRotationFailure);
    expect(report!.input).toMatchObject({ ...job, round: 1 });
    expect(run.calls(a.rotatePassword)[attempts]!.at.getTime() - report!.at.getTime()).toBe(
      rotationRoundPauseMs,
    );
  });

  it('gives up after a day of rounds, each one alerted', async () => {
    const run = await rotation().onActivity(a.rotatePassword, fail('403 Authorization_RequestDenied')).run();
    expect(run.output).toEqual({ rotated: false, rounds: maxRotationRounds });
    expect(run.calls(a.reportRotationFailure)).toHaveLength(maxRotationRounds);
  });
});

describe('credentialScheduledRotation orchestrator (replayed)', () => {
  it('rotates every claimed account in its own sub-orchestration, all at once', async () => {
    const jobs: RotationJob[] = ['msadmin', 'mstest', 'soc_ro', 'wdgsoc', 'msadmin'].map((account, i) => ({
      tenantId: `tenant-${i}`,
      account: account as RotationJob['account'],
      lockKey: 'scheduled:run-1',
      reason: 'scheduled',
    }));
    const run = await orchestrationHarness(scheduledRotationOrchestrator, {
      input: { runId: 'run-1', at: new Date(t0).toISOString() },
      startAt: t0,
      name: scheduledRotationOrchestration,
      instanceId: 'credential-rotations:2026-03-02',
    })
      .onActivity(a.claimDueRotations, jobs)
      .onSubOrchestration(credentialRotationOrchestration, (job: RotationJob) =>
        job.tenantId === 'tenant-2' ? { rotated: false, rounds: 96 } : rotated,
      )
      .run();
    expect(run.output).toEqual({ claimed: 5, rotated: 4, failed: 1 });
    expect(run.subOrchestrations.map((s) => s.input)).toEqual(jobs);
    // All at once: one that fails for a day holds no other back.
    expect(new Set(run.subOrchestrations.map((s) => s.taskId)).size).toBe(5);
    expect(new Set(run.subOrchestrations.map((s) => s.at.getTime())).size).toBe(1);
  });
});
