import { fail, orchestrationHarness, sequence } from '@mds/durable-harness';
import { transientRetry } from '../../../../shared/durable/activity';
import {
  watchActivities as w,
  watcherInstanceId,
  type WatchInput,
  watchOrchestration,
  type WatchRoundSummary,
} from '../../../../shared/onboarding/contract';
import {
  firstRoundDelayMs,
  watchTenantOrchestrator,
} from '../../../../shared/onboarding/watcher/watch-tenant.orchestrator';

const t0 = Date.parse('2026-01-01T00:00:00.000Z');
const minute = 60_000;
const at = (ms: number): string => new Date(t0 + ms).toISOString();
const tenantId = 'tenant-contoso';

const summary = (s: Partial<WatchRoundSummary>): WatchRoundSummary => ({
  waiting: 3,
  byKind: { import: 3 },
  raised: 0,
  imported: 0,
  pages: 2,
  degraded: false,
  nextDelayMs: 2 * minute,
  ...s,
});

function watcher(input: Partial<WatchInput> = {}) {
  return orchestrationHarness(watchTenantOrchestrator, {
    input: { tenantId, rounds: 0, delayMs: 0, ...input } satisfies WatchInput,
    startAt: t0,
    name: watchOrchestration,
    instanceId: watcherInstanceId(tenantId),
  }).onActivity(w.concludeWatch, { stopped: true });
}

describe('watchTenant orchestrator', () => {
  it('sleeps before its first round, then paces each round as the last one chose, until nothing waits', async () => {
    const run = await watcher()
      .onActivity(
        w.watchRound,
        sequence([
          summary({ imported: 3, nextDelayMs: minute }),
          summary({ raised: 3, nextDelayMs: 4 * minute }),
          summary({ waiting: 0, byKind: {} }),
        ]),
      )
      .run();
    expect(run.status).toBe('Completed');
    expect(run.output).toEqual({ rounds: 3 });
    // Each round in its own generation (continueAsNew), at the orchestration time the last round chose.
    expect(run.calls(w.watchRound).map((c) => c.input)).toEqual([
      {
        tenantId,
        watcherInstanceId: watcherInstanceId(tenantId),
        lastDelayMs: firstRoundDelayMs,
        now: at(30_000),
      },
      {
        tenantId,
        watcherInstanceId: watcherInstanceId(tenantId),
        lastDelayMs: minute,
        now: at(30_000 + minute),
      },
      {
        tenantId,
        watcherInstanceId: watcherInstanceId(tenantId),
        lastDelayMs: 4 * minute,
        now: at(30_000 + 5 * minute),
      },
    ]);
    // The two-phase stop is asked only once a round finds nothing waiting.
    expect(run.calls(w.concludeWatch).map((c) => c.input)).toEqual([{ tenantId }]);
    expect(run.timers.filter((t) => !t.fired && !t.canceled)).toEqual([]);
  });

  it('carries on when the guarded stop loses to a registration racing it', async () => {
    const run = await watcher()
      .onActivity(
        w.watchRound,
        sequence([summary({ waiting: 0, byKind: {}, nextDelayMs: minute }), summary({})]),
      )
      .onActivity(w.concludeWatch, sequence([{ stopped: false }, { stopped: true }]))
      .run({ until: t0 + 30_000 + minute });
    expect(run.status).toBe('Running');
    expect(run.calls(w.watchRound)).toHaveLength(2);
    expect(run.calls(w.watchRound)[1]!.input).toMatchObject({
      lastDelayMs: minute,
      now: at(30_000 + minute),
    });
    expect(run.calls(w.concludeWatch)).toHaveLength(1);
  });

  it('counts its rounds across generations and says when the next one runs', async () => {
    const run = await watcher({ rounds: 41, delayMs: 6 * minute })
      .onActivity(w.watchRound, summary({ waiting: 7, degraded: true, nextDelayMs: 12 * minute }))
      .run({ until: t0 + 6 * minute + 1 });
    expect(run.calls(w.watchRound)[0]!.input).toMatchObject({ lastDelayMs: 6 * minute, now: at(6 * minute) });
    expect(run.customStatuses).toEqual([
      { rounds: 41, nextRoundAt: at(6 * minute) },
      { rounds: 42, waiting: 7, degraded: true },
      { rounds: 42, nextRoundAt: at(18 * minute) },
    ]);
  });

  it('stops for good when its tenant can no longer be served (a permanent failure of the round)', async () => {
    const run = await watcher()
      // What the activity registration returns for an error no retry cures (here: the tenant is suspended).
      .onActivity(w.watchRound.name, { permanentFailure: { code: 'tenant_suspended', message: 'suspended' } })
      .run();
    expect(run.status).toBe('Completed');
    expect(run.output).toEqual({ rounds: 1, stopped: 'watchRound: suspended' });
    expect(run.calls(w.concludeWatch)).toHaveLength(0);
  });

  it('retries a round that failed transiently with the transient policy, in the same generation', async () => {
    const run = await watcher()
      .onActivity(
        w.watchRound,
        sequence([
          fail('Cosmos answered 503'),
          fail('Cosmos answered 503'),
          summary({ waiting: 0, byKind: {} }),
        ]),
      )
      .run();
    expect(run.status).toBe('Completed');
    const calls = run.calls(w.watchRound);
    expect(calls).toHaveLength(3);
    expect(calls[1]!.at.getTime() - calls[0]!.at.getTime()).toBe(transientRetry.firstRetryIntervalMs);
    // The retried call keeps the input of the round it retries.
    expect(new Set(calls.map((c) => JSON.stringify(c.input))).size).toBe(1);
  });
});
