import { fail, orchestrationHarness, sequence } from '@mds/durable-harness';
import {
  type ProvisionOutput,
  provisioningActivities as a,
  provisionOrchestration,
  type ReconcileAllSummary,
  reconcileAllOrchestration,
  type ReconcileInput,
  type ReconcileOutcome,
  reconcileRunId,
  reconcileRunTenantInstanceId,
  reconcileTenantOrchestration,
} from '../../../../shared/provisioning/contract';
import {
  maxThrottledRuns,
  provisionTenantOrchestrator,
  reconcileTenantOrchestrator,
} from '../../../../shared/provisioning/provision-tenant.orchestrator';
import {
  reconcileAllOrchestrator,
  reconcilesInFlight,
  tenantPageSize,
} from '../../../../shared/provisioning/reconcile-all.orchestrator';

const t0 = Date.parse('2026-01-01T00:00:00.000Z');
const input = { tenantId: 'tenant-a', runId: 'run-1' };
const succeeded: ReconcileOutcome = { outcome: 'succeeded', writes: 41, deviations: 0 };

function provisioning() {
  return orchestrationHarness(provisionTenantOrchestrator, {
    input,
    startAt: t0,
    name: provisionOrchestration,
    instanceId: 'provision:tenant-a',
  })
    .onActivity(a.assessReadiness, { verdict: 'ready', notReady: [] })
    .onActivity(a.applyDesiredState, succeeded)
    .onActivity(a.activateTenant, undefined);
}

describe('provisionTenant orchestrator', () => {
  it('goes readiness → provisioning → active, provisioning with `initial` under the run id', async () => {
    const run = await provisioning().run();
    expect(run.status).toBe('Completed');
    expect(run.output).toEqual<ProvisionOutput>({
      tenantId: 'tenant-a',
      status: 'active',
      verdict: 'ready',
      writes: 41,
    });
    expect(run.calls(a.applyDesiredState).map((c) => c.input)).toEqual([{ ...input, initial: true }]);
    expect(run.calls(a.activateTenant)).toHaveLength(1);
    expect(run.customStatuses).toEqual([
      { step: 'readiness' },
      { step: 'provisioning' },
      { step: 'activating' },
    ]);
  });

  it('holds a tenant that is not ready: nothing applied, nothing activated', async () => {
    const run = await provisioning()
      .onActivity(a.assessReadiness, { verdict: 'notReady', notReady: ['securityDefaults'] })
      .run();
    expect(run.output).toEqual({
      tenantId: 'tenant-a',
      status: 'held',
      verdict: 'notReady',
      notReady: ['securityDefaults'],
    });
    expect(run.calls(a.applyDesiredState)).toHaveLength(0);
    expect(run.calls(a.activateTenant)).toHaveLength(0);
  });

  it('provisions a tenant with advisories', async () => {
    const run = await provisioning()
      .onActivity(a.assessReadiness, { verdict: 'advisory', notReady: [] })
      .run();
    expect(run.output).toMatchObject({ status: 'active', verdict: 'advisory' });
  });

  it('waits out the Retry-After of a throttled run on a durable timer, then runs again', async () => {
    const run = await provisioning()
      .onActivity(
        a.applyDesiredState,
        sequence<ReconcileInput, ReconcileOutcome>([
          { outcome: 'throttled', retryAfterMs: 120_000 },
          succeeded,
        ]),
      )
      .run();
    expect(run.output).toMatchObject({ status: 'active' });
    const calls = run.calls(a.applyDesiredState);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.at.getTime() - calls[0]!.at.getTime()).toBe(120_000);
    expect(run.customStatuses).toContainEqual({ step: 'waitingForThrottle' });
  });

  it('backs off exponentially when a throttle names no Retry-After, and gives up after its budget', async () => {
    const run = await provisioning().onActivity(a.applyDesiredState, { outcome: 'throttled' }).run();
    expect(run.output).toEqual({
      tenantId: 'tenant-a',
      status: 'failed',
      verdict: 'ready',
      reason: 'throttled',
    });
    const at = run.calls(a.applyDesiredState).map((c) => c.at.getTime() - t0);
    expect(at).toHaveLength(maxThrottledRuns);
    expect(at.slice(1).map((ms, i) => ms - at[i]!)).toEqual([30_000, 60_000, 120_000, 240_000, 480_000]);
    expect(run.calls(a.activateTenant)).toHaveLength(0);
  });

  it('retries a transient failure of the readiness assessment with the activity retry policy', async () => {
    const run = await provisioning()
      .onActivity(
        a.assessReadiness,
        sequence([fail('Graph answered 503'), { verdict: 'ready', notReady: [] }]),
      )
      .run();
    expect(run.output).toMatchObject({ status: 'active' });
    expect(run.calls(a.assessReadiness)).toHaveLength(2);
  });
});

describe('reconcileTenant orchestrator', () => {
  const reconcile = () =>
    orchestrationHarness(reconcileTenantOrchestrator, {
      input,
      startAt: t0,
      name: reconcileTenantOrchestration,
    });

  it('reconciles once, not initially', async () => {
    const run = await reconcile().onActivity(a.applyDesiredState, succeeded).run();
    expect(run.output).toEqual(succeeded);
    expect(run.calls(a.applyDesiredState)[0]!.input).toEqual({ ...input, initial: false });
  });

  it('returns a permanent failure instead of throwing, so that a run over all tenants goes on', async () => {
    const run = await reconcile()
      .onActivity(a.applyDesiredState, {
        // What an activity answers for a failure no retry cures (activity-registration.ts).
        permanentFailure: { code: 'dependency_rejected', message: 'no' },
      } as never)
      .run();
    expect(run.status).toBe('Completed');
    expect(run.output).toMatchObject({ outcome: 'failed' });
  });
});

describe('reconcileAllTenants orchestrator', () => {
  const runId = reconcileRunId(t0 + 5 * 3_600_000);
  const ids = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => `t-${String(from + i).padStart(3, '0')}`);

  it('names one run per 4-hour window', () => {
    expect(runId).toBe('reconcile-all:2026-01-01T04:00:00Z');
    expect(reconcileRunId(t0 + 8 * 3_600_000 - 1)).toBe(runId);
    expect(reconcileRunId(t0 + 8 * 3_600_000)).not.toBe(runId);
  });

  it('fans out one sub-orchestration per tenant, a bounded batch at a time, a page per execution', async () => {
    const first = ids(tenantPageSize);
    const second = ids(7, tenantPageSize);
    const run = await orchestrationHarness(reconcileAllOrchestrator, {
      input: { runId },
      startAt: t0,
      name: reconcileAllOrchestration,
      instanceId: runId,
    })
      .onActivity(a.listManagedTenants, (request) =>
        request.after === undefined
          ? { tenantIds: first, next: first[first.length - 1]! }
          : { tenantIds: second },
      )
      .onSubOrchestration<{ tenantId: string; runId: string }, ReconcileOutcome>(
        reconcileTenantOrchestration,
        (request) => {
          if (request.tenantId === 't-003') return { outcome: 'failed', reason: 'retries ran out' };
          if (request.tenantId === 't-004') return { outcome: 'skipped', reason: 'suspended' };
          return { outcome: 'succeeded', writes: request.tenantId === 't-100' ? 2 : 0, deviations: 0 };
        },
        { durationMs: 1_000 },
      )
      .run();
    expect(run.status).toBe('Completed');
    expect(run.output).toEqual<ReconcileAllSummary>({
      runId,
      totals: { tenants: 107, succeeded: 105, failed: 1, skipped: 1, writes: 2 },
    });
    expect(run.subOrchestrations.map((s) => s.input)).toEqual(
      [...first, ...second].map((tenantId) => ({ tenantId, runId })),
    );
    expect(run.calls(a.listManagedTenants).map((c) => c.input)).toEqual([
      { runId, pageSize: tenantPageSize },
      { runId, after: first[first.length - 1], pageSize: tenantPageSize },
    ]);
    // The current execution's history holds only the second page: the first page lives in the first execution's.
    const created = run.history.filter(
      (e) => 'InstanceId' in e && (e as { Name?: string }).Name === reconcileTenantOrchestration,
    );
    expect(created).toHaveLength(second.length);
    // Each batch waits for the one before: seven tenants take two batches of at most `reconcilesInFlight`.
    const started = run.subOrchestrations.map((s) => s.at.getTime());
    expect(new Set(started).size).toBe(
      Math.ceil(first.length / reconcilesInFlight) + Math.ceil(second.length / reconcilesInFlight),
    );
    const perStart = new Map<number, number>();
    for (const at of started) perStart.set(at, (perStart.get(at) ?? 0) + 1);
    expect(Math.max(...perStart.values())).toBe(reconcilesInFlight);
  });

  it('gives each tenant a deterministic instance id under the run', () => {
    expect(reconcileRunTenantInstanceId(runId, 't-1')).toBe(`${runId}:t-1`);
  });
});
