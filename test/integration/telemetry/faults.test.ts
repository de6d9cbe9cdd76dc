/**
 * Telemetry under trouble: 10 % 5xx and 429 bursts on every source, an export job that fails, a download link that
 * expires, the host stopped mid-pull and started again. Each run must end with the state a clean run finds nothing
 * to change in, no record lost or stored twice, and no export job submitted twice.
 */
import { type TenantRecord } from '../../../shared/domain/tenant';
import { composition } from '../../../shared/composition';
import { telemetryRunId } from '../../../shared/telemetry/contract';
import { tenantTelemetry } from '../../../shared/telemetry/views';
import { type OnboardingWorld, startOnboardingWorld } from '../../support/onboarding-world';
import { addRingPolicy, allSources, hour, passTime, rawBlobs, recordHashes } from './support';

jest.setTimeout(600_000);

const sixHours = 6 * hour;

describe('telemetry under faults', () => {
  let world: OnboardingWorld;
  let tenant: TenantRecord;

  beforeAll(async () => {
    world = await startOnboardingWorld({ timers: true });
    tenant = await world.addTenant({
      name: 'Northwind',
      deviceCount: 30,
      seats: { enabled: 40, consumed: 5 },
    });
    addRingPolicy(world, tenant.id);
  });

  afterAll(async () => {
    await world.stop();
  });

  it('survives 5xx, 429 bursts, a failed job, an expired link and a restart mid-pull, losing nothing', async () => {
    const sim = world.sim;
    const simTenant = sim.world.tenant(tenant.id)!;
    sim.control.setFaults(tenant.id, {
      seed: 7,
      errors: { rate: 0.1, statuses: [500, 502, 503, 504], retryAfterSeconds: 0 },
      throttleBurst: { count: 6, retryAfterSeconds: 1 },
    });
    sim.control.scriptExports(tenant.id, {
      failNext: { count: 1, reportName: 'DefenderAgents' },
      expireNextDownloads: 1,
    });

    // The six-hourly run fires; once its export jobs are submitted and it waits on them, the host dies.
    const sixHourlyAt = Math.floor(world.clock.now() / sixHours) * sixHours + sixHours + 20 * 60_000;
    await passTime(world, sixHourlyAt, { stopMidRun: true });
    const runId = telemetryRunId('sixHourly', sixHourlyAt);
    expect((await world.host.durable.getStatus(runId))?.runtimeStatus).toBe('Running');
    const jobsBeforeCrash = simTenant.exportJobs.all().length;
    expect(jobsBeforeCrash).toBeGreaterThan(0);
    await world.restartHost();

    // The restarted app's timer fires again for the same period: the same run id, the pending jobs adopted.
    const response = await fetch(`${world.host.baseUrl}/admin/functions/telemetrySixHourly`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-functions-key': world.host.keys.masterKey },
      body: JSON.stringify({ input: '' }),
    });
    expect(response.status).toBe(202);
    const endOfFaults = sixHourlyAt + sixHours - 30 * 60_000;
    await passTime(world, endOfFaults);
    expect((await world.host.durable.getStatus(runId))?.runtimeStatus).toBe('Completed');

    const store = composition().telemetry.store;
    const faulted = await tenantTelemetry(store, tenant.id, world.clock.now());
    // Daily sources may not have been due in this window; every other source pulled through the faults.
    for (const source of faulted.sources.filter((s) => s.cadence !== 'daily'))
      expect({ source: source.source, freshness: source.freshness }).toEqual({
        source: source.source,
        freshness: 'fresh',
      });
    const counters = sim.control.counterValues(tenant.id);
    expect(counters.faults).toBeGreaterThan(0);
    expect(counters.throttled).toBeGreaterThan(0);
    // The scripted expired link was met (and the job read again for a fresh one).
    expect(simTenant.exportJobs.takeExpiredDownload()).toBe(false);

    // No job submitted twice: one per export pull (one raw CSV snapshot each), plus the one Intune failed.
    const exportPulls = (await rawBlobs(tenant.id)).filter((name) => name.endsWith('.csv.gz')).length;
    expect(simTenant.exportJobs.all().length).toBe(exportPulls + 1);
    const submitted = new Map<string, number>();
    for (const job of simTenant.exportJobs.all()) {
      const key = `${job.request.reportName}|${job.request.filter}|${Math.floor(job.requestedAt / hour)}`;
      submitted.set(key, (submitted.get(key) ?? 0) + 1);
    }
    const twice = [...submitted.entries()].filter(
      ([key, count]) => count > 1 && !key.startsWith('DefenderAgents|'),
    );
    expect(twice).toEqual([]);

    // A clean run finds the stored state already right: nothing to change, nothing missing.
    const stateAfterFaults = new Map(
      await Promise.all(
        allSources.map(async (source) => [source, await recordHashes(tenant.id, source)] as const),
      ),
    );
    sim.control.setFaults(tenant.id, undefined);
    await passTime(world, sixHourlyAt + sixHours + hour);
    const clean = await tenantTelemetry(store, tenant.id, world.clock.now());
    for (const source of clean.sources) {
      if (source.cadence === 'daily') continue;
      expect({ source: source.source, changed: source.changedRows, freshness: source.freshness }).toEqual({
        source: source.source,
        changed: 0,
        freshness: 'fresh',
      });
      expect((await recordHashes(tenant.id, source.source)).size).toBe(
        stateAfterFaults.get(source.source)!.size,
      );
    }
    expect((await recordHashes(tenant.id, 'inventory')).size).toBe(
      simTenant.managedDevices(world.clock.now()).length,
    );
  });
});
