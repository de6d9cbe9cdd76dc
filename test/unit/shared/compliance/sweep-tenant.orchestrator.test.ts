import { fail, orchestrationHarness, sequence } from '@mds/durable-harness';
import {
  complianceActivities as a,
  type FactsRef,
  type SweepInput,
  type SweepOutcome,
  sweepInstanceId,
  sweepTenantOrchestration,
} from '../../../../shared/compliance/contract';
import { sweepRetry, sweepTenantOrchestrator } from '../../../../shared/compliance/sweep-tenant.orchestrator';

const t0 = Date.parse('2026-03-01T08:00:00.000Z');
const tenantId = '6f1c1f8e-0a4e-4d7e-9a51-1b2f3c4d5e6f';
const input: SweepInput = {
  tenantId,
  sweepId: sweepInstanceId(tenantId, t0),
  windowAt: '2026-03-01T08:00:00Z',
  trigger: 'schedule',
};
const facts: FactsRef = {
  blob: `${tenantId}/sweep.ndjson.gz`,
  devices: 3,
  calls: { managedDevices: 1, machines: 1 },
  fromTelemetry: [],
};
const outcome: SweepOutcome = {
  tenantId,
  sweepId: input.sweepId,
  baselineVersion: '1.0.0',
  devices: 3,
  healthy: 2,
  unhealthy: 1,
  notReporting: 0,
  caMismatches: 0,
  healthChanges: 1,
  remediationsQueued: 1,
  remediationsDeferred: 0,
  remediationFailures: 0,
  alerts: 0,
  graphCalls: 2,
};

const permanentFailure = (code: string, message: string) => ({ permanentFailure: { code, message } });

function sweep() {
  return orchestrationHarness(sweepTenantOrchestrator, {
    input,
    startAt: t0,
    name: sweepTenantOrchestration,
    instanceId: input.sweepId,
  })
    .onActivity(a.collectFacts, facts)
    .onActivity(a.evaluateSweep, outcome)
    .onActivity(a.recordSweep, undefined);
}

describe('sweepTenantOrchestrator', () => {
  it('collects, evaluates and records, with only the facts blob’s name in its history', async () => {
    const run = await sweep().run();
    expect(run.status).toBe('Completed');
    expect(run.output).toEqual(outcome);
    expect(run.calls(a.evaluateSweep).map((call) => call.input)).toEqual([{ ...input, facts }]);
    expect(run.calls(a.recordSweep).map((call) => call.input)).toEqual([{ ...input, outcome }]);
    expect(run.customStatus).toEqual({ stage: 'done', devices: 3 });
    // Nothing in the history but names and counts: no device's facts.
    expect(JSON.stringify(run.history).length).toBeLessThan(10_000);
  });

  it('retries a failed collection on durable timers and carries on', async () => {
    const run = await sweep()
      .onActivity(a.collectFacts, sequence([fail('Graph answered 503'), fail('Graph answered 429'), facts]))
      .run();
    expect(run.status).toBe('Completed');
    expect(run.calls(a.collectFacts)).toHaveLength(3);
    const retries = run.timers.filter((timer) => timer.fired);
    expect(retries.map((timer) => timer.fireAt.getTime() - timer.createdAt.getTime())).toEqual([
      sweepRetry.firstRetryIntervalMs,
      sweepRetry.firstRetryIntervalMs * sweepRetry.backoffCoefficient,
    ]);
  });

  it('records the failure and fails when the retries run out', async () => {
    const run = await sweep().onActivity(a.evaluateSweep, fail('Cosmos DB unavailable')).run();
    expect(run.status).toBe('Failed');
    expect(run.calls(a.evaluateSweep)).toHaveLength(sweepRetry.maxAttempts);
    const recorded = run.calls(a.recordSweep).map((call) => call.input as { error?: string });
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.error).toMatch(/Cosmos DB unavailable/);
  });

  it('records a permanent failure at once', async () => {
    const run = await sweep()
      .onActivity(a.collectFacts, permanentFailure('forbidden', 'no consent') as never)
      .run();
    expect(run.status).toBe('Failed');
    expect(run.calls(a.collectFacts)).toHaveLength(1);
    expect(run.calls(a.evaluateSweep)).toHaveLength(0);
    expect((run.calls(a.recordSweep)[0]!.input as { error: string }).error).toBe('forbidden: collectFacts: no consent');
  });
});
