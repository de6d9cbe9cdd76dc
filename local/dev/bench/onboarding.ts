import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { VirtualClock, type Benchmark, type Measurement } from '@mds/platform-kit';
import { consoleLogSink, type HostHandle, startHost } from '@mds/functions-host';
import { type TenantSimHandle, type ThrottleSettingsPatch, allPermissions } from '@mds/tenant-sim';
import { localWebhookSources, startStack } from '../stack';
import { composition, resetComposition } from '../../../shared/composition';
import { onboardingInstanceId } from '../../../shared/onboarding/device-order';
import { e5SkuId } from '../../../shared/onboarding/steps/licence';
import { signDelivery, webhookHeaders } from '../../../shared/onboarding/webhook/signature';
import { secretNames } from '../../../shared/platform/secret-names';

const warmupDevices = 10;
/** Real time one burst may take before the benchmark gives up. */
const burstTimeoutMs = 10 * 60_000;
/** The webhook takes at most 500 devices an order: a larger rollout arrives as several orders. */
const maxOrderDevices = 500;
const source = localWebhookSources[0];

interface Variant {
  /** Also names the variant's tenant, order and serial numbers. */
  label: string;
  devices: number;
  throttling: ThrottleSettingsPatch;
}

/**
 * Every limit the simulator has by default, as Intune, Graph and Defender document them: Intune 1,000 requests and
 * 100 writes per 20 s per app and tenant; Defender's machines 100 calls a minute and 1,500 an hour, `deviceavinfo`
 * 30 a minute. Devices wait on their tenant's watcher, which reads each state in bulk, so Defender's limits stay on.
 */
const variants: Variant[] = [
  { label: 'all-limits-200', devices: 200, throttling: { enabled: true } },
  { label: 'all-limits-2000', devices: 2000, throttling: { enabled: true } },
];

interface World {
  clock: VirtualClock;
  sim: TenantSimHandle;
  host: HostHandle;
  webhookSecret: string;
}

interface BurstResult {
  ms: number;
  virtualMs: number;
  outcomes: Record<string, number>;
  callsPerDevice: number;
  throttled: number;
  defenderThrottled: number;
  defenderCalls: number;
  faults: number;
}

/**
 * One order of 200 devices through the whole app on the local platform: signed webhook → Service Bus → 200
 * orchestrations → Graph and Defender in a simulated tenant → Cosmos. Stack, simulator and host share one virtual
 * clock, so the simulated hours of Autopilot and enrollment pass as soon as the host is idle; the wall time is what
 * the app's own work costs, plus the real-time waits that throttling forces (the simulator's throttling windows run
 * on real time, and also free once the scenario clock has passed them: work done at one simulated instant is
 * throttled as a burst, rounds minutes apart in simulated time are not). Every default limit stays on.
 */
export const onboardingBurst: Benchmark = {
  name: `Onboarding burst: ${variants.map((v) => v.devices).join(' and ')} devices in orders of up to ${maxOrderDevices} (stack, simulator and host on a virtual clock)`,
  run: async () => {
    const clock = new VirtualClock(Date.now());
    const stack = await startStack({ clock, ports: 'ephemeral' });
    let host: HostHandle | undefined;
    try {
      const sim = stack.tenantSimulator;
      if (!sim) throw new Error('the stack started without its tenant simulator');
      host = await startHost({
        // The compiled app beside the compiled platform (dist/functions/index.js; this file is
        // dist/local/dev/bench/onboarding.js), as `npm start` loads it.
        entry: join(__dirname, '..', '..', '..', 'functions', 'index.js'),
        appRoot: join(__dirname, '..', '..', '..', '..'),
        clock,
        // Onboarding alone: the telemetry pulls' timers (they have their own benchmark) stay off, as in the tests.
        settings: {
          ...stack.settings,
          ...Object.fromEntries(
            ['telemetryHourly', 'telemetrySixHourly', 'telemetryDaily'].map((name) => [
              `AzureWebJobs.${name}.Disabled`,
              'true',
            ]),
          ),
        },
        log: process.env.BENCH_HOST_LOG ? consoleLogSink() : () => undefined,
      });
      const webhookSecret = (
        await composition().platform.secrets.getSecret(secretNames.autopilotWebhookSecret(source))
      ).value;
      if (!webhookSecret) throw new Error(`the stack provisioned no signing secret for source '${source}'`);
      const world: World = { clock, sim, host, webhookSecret };

      // First connections, JIT and Cosmos containers are paid here, not by the first measured variant.
      await burst(world, 'warmup', warmupDevices, { enabled: false });
      const results: Measurement[] = [];
      for (const variant of variants) {
        const result = await burst(world, variant.label, variant.devices, variant.throttling);
        if (process.env.BENCH_PROGRESS)
          console.error(`${variant.label}: ${Math.round(result.ms)} ms, ${describe(result)}`);
        results.push({
          label: variant.label,
          operations: variant.devices,
          ms: result.ms,
          details: describe(result),
        });
      }
      return results;
    } finally {
      await host?.stop();
      await resetComposition();
      await stack.stop();
    }
  },
};

/** A fresh tenant with enough unlicensed users and free seats, under management, with the variant's throttling. */
async function addTenant(world: World, label: string, count: number, throttling: ThrottleSettingsPatch) {
  const run = randomBytes(3).toString('hex');
  const created = world.sim.control.createTenant({
    displayName: `Bench ${label}`,
    domain: `bench-${label}-${run}.onmicrosoft.com`,
    seed: `bench-${label}-${run}`,
    deviceCount: count,
    e5: { enabled: count * 2, consumed: 0 },
    apps: [{ permissions: [...allPermissions] }],
  });
  const app = created.apps[0];
  if (!app?.clientSecret) throw new Error('the simulator created the tenant without an app secret');
  const tenant = await composition().provisioning.registerTenant({
    id: created.id,
    displayName: `Bench ${label}`,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
  });
  world.sim.control.setThrottling(tenant.id, throttling);
  // Registration's own calls (the tenant layout) are not the burst's.
  world.sim.control.resetCounters(tenant.id);
  return tenant;
}

async function burst(
  world: World,
  label: string,
  count: number,
  throttling: ThrottleSettingsPatch,
): Promise<BurstResult> {
  const tenant = await addTenant(world, label, count, throttling);
  const users = world.sim.world
    .tenant(tenant.id)
    ?.directory.allUsers()
    .filter((u) => !u.holds(e5SkuId))
    .slice(0, count)
    .map((u) => u.userPrincipalName);
  if (!users || users.length < count)
    throw new Error(`tenant ${tenant.id} has fewer than ${count} unlicensed users`);
  const serials = users.map((_, i) => `BENCH-${label.toUpperCase()}-${i}`);
  const lines = serials.map((serialNumber, i) => ({
    serialNumber,
    hardwareHash: Buffer.from(`bench 4K hardware hash of ${serialNumber}`).toString('base64'),
    groupTag: 'MMD',
    assignedUserPrincipalName: users[i] as string,
  }));

  const virtualStart = world.clock.now();
  const started = performance.now();
  for (let i = 0; i < lines.length; i += maxOrderDevices)
    await postOrder(world, {
      tenantId: tenant.id,
      orderId: `BENCH-${label}-${i / maxOrderDevices}`,
      devices: lines.slice(i, i + maxOrderDevices),
    });
  const finished = await waitForAll(
    world.host,
    serials.map((s) => onboardingInstanceId(tenant.id, s)),
    Date.now() + burstTimeoutMs,
  );
  const ms = performance.now() - started;

  const counters = world.sim.control.counterValues(tenant.id);
  const calls = Object.values(counters.requests).reduce((sum, n) => sum + n, 0);
  const outcomes: Record<string, number> = {};
  for (const status of finished) {
    const output = status.output as { status?: string; reason?: string } | undefined;
    const outcome = output?.reason ?? output?.status ?? status.runtimeStatus;
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  }
  return {
    ms,
    virtualMs: world.clock.now() - virtualStart,
    outcomes,
    callsPerDevice: calls / count,
    throttled: counters.throttled,
    defenderThrottled: counters.throttledBySurface.defender ?? 0,
    defenderCalls: Object.entries(counters.requests)
      .filter(([key]) => key.includes(' defender '))
      .reduce((sum, [, n]) => sum + n, 0),
    faults: counters.faults,
  };
}

async function postOrder(
  world: World,
  order: { orderId: string; tenantId: string; devices: unknown[] },
): Promise<void> {
  const rawBody = JSON.stringify(order);
  const timestamp = Math.floor(Date.now() / 1000);
  const deliveryId = `${order.orderId}-${randomBytes(6).toString('hex')}`;
  const response = await fetch(`${world.host.baseUrl}/api/autopilot/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [webhookHeaders.source]: source,
      [webhookHeaders.delivery]: deliveryId,
      [webhookHeaders.timestamp]: String(timestamp),
      [webhookHeaders.signature]: signDelivery(world.webhookSecret, timestamp, deliveryId, rawBody),
    },
    body: rawBody,
  });
  if (response.status !== 202)
    throw new Error(`the webhook answered ${response.status}: ${await response.text()}`);
}

/** Orders reach the orchestrations through the queue: waits until every instance exists, then drives time. */
async function waitForAll(host: HostHandle, ids: string[], deadline: number) {
  for (const id of ids) {
    while (!(await host.durable.getStatus(id))) {
      if (Date.now() > deadline) throw new Error(`instance ${id} was never started`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const finished = [];
  for (const id of ids)
    finished.push(await host.waitForInstance(id, { timeoutMs: Math.max(1_000, deadline - Date.now()) }));
  return finished;
}

function describe(r: BurstResult): string {
  const outcomes = Object.entries(r.outcomes)
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(', ');
  return (
    `${outcomes}; ${r.callsPerDevice.toFixed(2)} Graph+Defender requests/device (429s included); ${r.throttled} × 429 ` +
    `(${r.defenderThrottled} from Defender, of ${r.defenderCalls} Defender calls); ` +
    `${r.faults} × 5xx injected; ${(r.virtualMs / 3_600_000).toFixed(1)} h simulated`
  );
}
