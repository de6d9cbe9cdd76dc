import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type TenantSimHandle, allPermissions } from '@mds/tenant-sim';
import { composition } from '../../../shared/composition';

const run = promisify(execFile);

/**
 * Runs a bench script (a sibling `.js` of this folder) in a child process with the stack's settings, so that its
 * peak RSS is the measured work's alone, and reads the simulator's counters of the tenant in this process around it:
 * the calls (by route) and 429s the child made.
 */
export function childMeasurer(
  sim: TenantSimHandle,
  settings: Record<string, string>,
  script: string,
  nodeArgs: string[],
) {
  const env = { ...process.env, ...settings };
  return async <R extends object>(tenantId: string, args: string[]) => {
    sim.control.resetCounters(tenantId);
    const { stdout } = await run(process.execPath, [...nodeArgs, join(__dirname, script), ...args], {
      env,
      maxBuffer: 1024 * 1024,
    });
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as R;
    const counters = sim.control.counterValues(tenantId);
    const calls = Object.values(counters.requests).reduce((sum, n) => sum + n, 0);
    return { ...result, calls, byRoute: counters.requests, throttled: counters.throttled };
  };
}

/** A simulated tenant of `count` devices registered with the app, as a bench of `kind` names it. */
export async function addBenchTenant(
  sim: TenantSimHandle,
  kind: string,
  label: string,
  count: number,
  /** More of the simulator's tenant spec (its lifecycle, say). */
  spec: Record<string, unknown> = {},
): Promise<string> {
  const suffix = randomBytes(3).toString('hex');
  const displayName = `${kind[0]!.toUpperCase()}${kind.slice(1)} bench ${label}`;
  const created = sim.control.createTenant({
    displayName,
    domain: `${kind}-${label}-${suffix}.onmicrosoft.com`,
    seed: `${kind}-${label}-${suffix}`,
    deviceCount: count,
    e5: { enabled: 10, consumed: 0 },
    apps: [{ permissions: [...allPermissions] }],
    ...spec,
  });
  const app = created.apps[0];
  if (!app?.clientSecret) throw new Error('the simulator created the tenant without an app secret');
  await composition().provisioning.registerTenant({
    id: created.id,
    displayName,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
  });
  return created.id;
}
