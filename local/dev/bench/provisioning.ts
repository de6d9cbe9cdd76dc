import { randomUUID } from 'node:crypto';
import { type Benchmark, type Measurement, WallClock } from '@mds/platform-kit';
import { allPermissions, type TenantSimHandle } from '@mds/tenant-sim';
import { startStack } from '../stack';
import { composition, resetComposition } from '../../../shared/composition';
import { reconcilesInFlight } from '../../../shared/provisioning/reconcile-all.orchestrator';

const fleet = 50;

/**
 * Provisioning: one tenant taken from registration to active (readiness, then every desired object created), then
 * 50 provisioned tenants reconciled twice, `reconcilesInFlight` at a time as the timer's run does, side by side in one
 * run. Graph calls per tenant come from the simulator's
 * counters; the second pass must write nothing.
 */
export const provisioningRuns: Benchmark = {
  name: `Provisioning: one tenant to active vs reconciling ${fleet} managed tenants (first and second pass)`,
  run: async () => {
    const stack = await startStack({ clock: new WallClock(), ports: 'ephemeral', withTenantSimulator: true });
    try {
      const sim = stack.tenantSimulator;
      if (!sim) throw new Error('the stack started without its tenant simulator');
      Object.assign(process.env, stack.settings);
      const app = composition();
      const calls = (ids: string[]) =>
        ids.reduce(
          (sum, id) => sum + Object.values(sim.control.counterValues(id).requests).reduce((a, b) => a + b, 0),
          0,
        );
      const writes = (ids: string[]) =>
        ids.reduce((sum, id) => sum + sim.control.counterValues(id).writes, 0);

      const one = registration(sim, 'bench-one');
      const started = performance.now();
      const result = await app.provisioning.onboardTenant(one, randomUUID());
      const provisionMs = performance.now() - started;
      if (result.tenant.status !== 'active') throw new Error('the benchmark tenant did not become active');
      const provision: Measurement = {
        label: 'provision 1 tenant',
        operations: 1,
        ms: provisionMs,
        details: `${calls([one.id])} Graph calls, ${writes([one.id])} writes`,
      };

      const tenants = Array.from({ length: fleet }, (_, i) => registration(sim, `bench-${i}`));
      await inBatches(tenants, (t) => app.provisioning.onboardTenant(t, randomUUID()));
      const ids = tenants.map((t) => t.id);
      const pass = async (label: string): Promise<Measurement> => {
        for (const id of ids) sim.control.resetCounters(id);
        // One tenant's change: the first pass has something to remediate, the second nothing.
        if (label.includes('1st'))
          sim.control.changeTenant(ids[0]!, {
            kind: 'deletePolicy',
            displayName: 'Managed Desktop - Update ring Fast',
          });
        const begin = performance.now();
        const outcomes = await inBatches(ids, (id) => app.provisioning.reconcile(id, randomUUID()));
        const ms = performance.now() - begin;
        const failed = outcomes.filter((o) => o.outcome !== 'succeeded').length;
        return {
          label,
          operations: fleet,
          ms,
          details: `${(calls(ids) / fleet).toFixed(1)} Graph calls per tenant, ${writes(ids)} writes, ${failed} failed`,
        };
      };
      return [provision, await pass(`reconcile ${fleet}, 1st`), await pass(`reconcile ${fleet}, 2nd`)];
    } finally {
      await resetComposition();
      await stack.stop();
    }
  },
};

function registration(sim: TenantSimHandle, name: string) {
  const clientSecret = `${name}-secret-${randomUUID()}`;
  const created = sim.control.createTenant({
    displayName: name,
    domain: `${name}.onmicrosoft.com`,
    seed: name,
    deviceCount: 2,
    e5: { enabled: 10, consumed: 0 },
    apps: [{ clientSecret, permissions: [...allPermissions] }],
  });
  return { id: created.id, displayName: name, clientId: created.apps[0]!.clientId, clientSecret };
}

/** `reconcilesInFlight` at a time, batch after batch, as the orchestration over all tenants runs them. */
async function inBatches<T, R>(items: T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += reconcilesInFlight)
    results.push(...(await Promise.all(items.slice(start, start + reconcilesInFlight).map(run))));
  return results;
}
