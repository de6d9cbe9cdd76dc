/**
 * `npm run demo:order`: while `npm start` runs, sends one signed Autopilot order to the app's webhook, the way the
 * Autopilot pipeline would, and follows each device's onboarding through Durable's status API. The 202 names each
 * device's instance id and the operator API's route (which needs an operator token), never a URL with a host key;
 * on this machine the demo reads the Durable system key from `.local/host-keys.json` itself.
 *
 *   --tenant contoso|fabrikam  Contoso has free E5 seats: the devices end onboarded. Fabrikam has none: they end
 *                              failed with noLicenceSeats. Default contoso.
 *   --devices N                devices in the order (default 3), each for a user without an E5 licence.
 *   --no-follow                print the 202 answer and stop.
 *   --real-timing              keep the simulator's realistic device timing (about 70 minutes per device)
 *                              instead of scripting the ordered devices to pass each step within seconds.
 *
 * The users come from Graph in the simulated tenant, signed in as the tenant's app registration, whose secret the
 * simulator's control API hands out on loopback. The signing secret comes from the file `npm start` writes.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ClientSecretCredential } from '@azure/identity';
import { type TenantSummary, type LifecycleDelays } from '@mds/tenant-sim';
import { ApiClient } from '../../shared/platform/graph/api-client';
import pLimit from 'p-limit';
import { graphScope } from '../../shared/platform/graph/tenant-clients';
import { e5SkuId } from '../../shared/onboarding/steps/licence';
import { signDelivery, webhookHeaders } from '../../shared/onboarding/webhook/signature';
import { readLocalSettings } from './local-settings';
import { type localWebhookSources } from './stack';
import { readWebhookSecret } from './webhook-secret-files';

const root = process.cwd();
const source: (typeof localWebhookSources)[number] = 'autopilot';
const demoTenants = { contoso: 'Contoso', fabrikam: 'Fabrikam' } as const;
const pollEveryMs = 5_000;

/**
 * Each ordered device reaches Autopilot 15 s after its import and is enrolled, encrypted, escrowed and Defender-healthy
 * 35 s after it, so that the orchestration's first import check (one minute in) finds the import done and each later
 * first check finds its step done. The app's own waits are untouched.
 */
const quickDevice: Partial<LifecycleDelays> = {
  importAcceptMs: 1_000,
  importCompleteMs: 5_000,
  autopilotAutoSyncMs: 10_000,
  enrollmentMs: 10_000,
  encryptionMs: 5_000,
  keyEscrowMs: 2_000,
  defenderOnboardingMs: 5_000,
  signatureUpdateMs: 5_000,
  deviceActionMs: 5_000,
  keyRotationMs: 5_000,
};

interface DemoOptions {
  tenant: keyof typeof demoTenants;
  devices: number;
  follow: boolean;
  realTiming: boolean;
}

interface LocalEndpoints {
  hostBase: string;
  simulator: string;
  authorityHost: string;
  graphBase: string;
  caPem: string;
}

interface AcceptedDevice {
  serialNumber: string;
  instanceId: string;
  statusUrl: string;
}

interface InstanceStatus {
  runtimeStatus: string;
  customStatus?: { step?: string; waitingFor?: string; until?: string } | null;
  output?: { status?: string; reason?: string; detail?: string; ring?: string } | null;
}

class DemoError extends Error {
  override readonly name = 'DemoError';
}

function parseOptions(argv: string[]): DemoOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      tenant: { type: 'string', default: 'contoso' },
      devices: { type: 'string', default: '3' },
      'no-follow': { type: 'boolean', default: false },
      'real-timing': { type: 'boolean', default: false },
    },
  });
  const tenant = values.tenant.toLowerCase();
  if (!(tenant in demoTenants))
    throw new DemoError(`--tenant must be one of ${Object.keys(demoTenants).join(', ')}`);
  const devices = Number(values.devices);
  if (!Number.isInteger(devices) || devices < 1 || devices > 50)
    throw new DemoError('--devices must be a whole number from 1 to 50');
  return {
    tenant: tenant as DemoOptions['tenant'],
    devices,
    follow: !values['no-follow'],
    realTiming: values['real-timing'],
  };
}

/** Where `npm start` serves, from the same settings file it reads (environment variables win, as there). */
function localEndpoints(): LocalEndpoints {
  const { path, settings } = readLocalSettings(root);
  const setting = (name: string): string => {
    const value = process.env[name] ?? settings.Values?.[name];
    if (!value) throw new DemoError(`${path} names no ${name}`);
    return value;
  };
  const authorityHost = setting('ENTRA_AUTHORITY_HOST');
  return {
    hostBase: `http://127.0.0.1:${settings.Host?.LocalHttpPort ?? 7071}`,
    simulator: new URL(authorityHost).origin,
    authorityHost,
    graphBase: setting('GRAPH_BASE_URL'),
    caPem: readFileSync(resolve(root, setting('TRUSTED_CA_CERT_PATH')), 'utf8'),
  };
}

/** JSON over HTTPS to the simulator's control API, trusting exactly the stack's certificate. */
function simulatorJson<T>(agent: Agent, url: string, method = 'GET', body?: unknown): Promise<T> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<T>((done, fail) => {
    const req = request(
      url,
      {
        method,
        agent,
        timeout: 10_000,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 300)
            fail(new DemoError(`${method} ${new URL(url).pathname} answered ${res.statusCode}: ${text}`));
          else done((text ? JSON.parse(text) : undefined) as T);
        });
      },
    );
    req.on('timeout', () => req.destroy(new DemoError(`${method} ${url} timed out`)));
    req.on('error', fail);
    req.end(payload);
  });
}

async function findTenant(agent: Agent, endpoints: LocalEndpoints, name: string): Promise<TenantSummary> {
  const tenants = await simulatorJson<TenantSummary[]>(agent, `${endpoints.simulator}/_sim/tenants`);
  const tenant = tenants.find((t) => t.displayName?.toLowerCase() === name.toLowerCase());
  if (!tenant) throw new DemoError(`The simulator has no tenant named ${name}`);
  return tenant;
}

/** Users without an E5 licence, read from Graph as the tenant's app registration. */
async function unlicensedUsers(
  endpoints: LocalEndpoints,
  tenant: TenantSummary,
  count: number,
): Promise<string[]> {
  const app = tenant.apps.find((a) => a.clientSecret !== undefined);
  if (!app?.clientSecret)
    throw new DemoError(`Tenant ${tenant.displayName} has no app registration with a secret`);
  const graph = new ApiClient({
    dependency: 'graph',
    baseUrl: endpoints.graphBase,
    credential: new ClientSecretCredential(tenant.id, app.clientId, app.clientSecret, {
      authorityHost: endpoints.authorityHost,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: endpoints.caPem },
    }),
    scope: graphScope,
    limiter: pLimit(1),
    tuning: { baseDelayMs: 500, maxDelayMs: 5_000, maxRetryAfterMs: 10_000 },
    maxRetries: 3,
    timeoutMs: 10_000,
    tlsOptions: { ca: [endpoints.caPem] },
  });
  const users = await graph.listAll<{ userPrincipalName: string; assignedLicenses: { skuId: string }[] }>(
    '/v1.0/users?$select=userPrincipalName,assignedLicenses&$top=999',
  );
  const unlicensed = users
    .filter((u) => !u.assignedLicenses.some((l) => l.skuId === e5SkuId))
    .map((u) => u.userPrincipalName);
  if (unlicensed.length < count)
    throw new DemoError(`${tenant.displayName} has only ${unlicensed.length} users without an E5 licence`);
  return unlicensed.slice(0, count);
}

function demoOrder(tenantId: string, users: string[]) {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  return {
    tenantId,
    orderId: `DEMO-${stamp}`,
    devices: users.map((upn, i) => {
      const serialNumber = `DEMO-${stamp}-${i + 1}`;
      return {
        serialNumber,
        hardwareHash: Buffer.from(`demo 4K hardware hash of ${serialNumber}`).toString('base64'),
        groupTag: 'MMD',
        assignedUserPrincipalName: upn,
      };
    }),
  };
}

/** Signed exactly as the Autopilot pipeline signs: HMAC-SHA256 over "<timestamp>.<delivery id>.<raw body>". */
async function postOrder(hostBase: string, secret: string, order: ReturnType<typeof demoOrder>) {
  const rawBody = JSON.stringify(order);
  const timestamp = Math.floor(Date.now() / 1000);
  const deliveryId = `${order.orderId}-${Math.random().toString(36).slice(2, 10)}`;
  const response = await fetch(`${hostBase}/api/autopilot/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [webhookHeaders.source]: source,
      [webhookHeaders.delivery]: deliveryId,
      [webhookHeaders.timestamp]: String(timestamp),
      [webhookHeaders.signature]: signDelivery(secret, timestamp, deliveryId, rawBody),
    },
    body: rawBody,
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as unknown };
}

/** The status URLs carry the Durable extension's system key (`code=`); the screen shows them without it. */
function withoutKey(text: string): string {
  return text.replace(/([?&]code=)[^&"\s]+/g, '$1<system key>');
}

function describe(status: InstanceStatus | undefined): string {
  if (!status) return 'Pending    queued (the orders queue starts the orchestration)';
  const runtime = status.runtimeStatus.padEnd(10);
  if (status.runtimeStatus === 'Completed' && status.output) {
    const o = status.output;
    return o.status === 'onboarded'
      ? `${runtime} onboarded (update ring ${o.ring ?? '?'})`
      : `${runtime} ${o.status ?? '?'}: ${o.reason ?? '?'} (${o.detail ?? ''})`;
  }
  const s = status.customStatus;
  if (!s?.step) return runtime;
  const waiting = s.waitingFor
    ? ` waiting for ${s.waitingFor}${s.until ? `, until ${new Date(s.until).toLocaleString()}` : ''}`
    : '';
  return `${runtime} ${s.step}${waiting}`;
}

async function readStatus(statusUrl: string): Promise<InstanceStatus | undefined> {
  const response = await fetch(statusUrl);
  if (response.status === 404) return undefined;
  if (response.status !== 200 && response.status !== 202)
    throw new DemoError(`The status URL answered ${response.status}: ${withoutKey(await response.text())}`);
  return (await response.json()) as InstanceStatus;
}

/** Polls every device until each is terminal or `deadline` passes; prints a line whenever a device's state changes. */
async function follow(devices: AcceptedDevice[], startedAt: number, deadline: number): Promise<void> {
  const shown = new Map<string, string>();
  const terminal = new Set<string>();
  const width = Math.max(...devices.map((d) => d.serialNumber.length));
  for (;;) {
    for (const device of devices.filter((d) => !terminal.has(d.instanceId))) {
      const status = await readStatus(device.statusUrl);
      const line = describe(status);
      if (shown.get(device.instanceId) !== line) {
        shown.set(device.instanceId, line);
        console.log(`  [${elapsed(startedAt)}] ${device.serialNumber.padEnd(width)}  ${line}`);
      }
      if (status && ['Completed', 'Failed', 'Terminated'].includes(status.runtimeStatus))
        terminal.add(device.instanceId);
    }
    if (terminal.size === devices.length) {
      console.log(`\nAll ${devices.length} device(s) finished after ${elapsed(startedAt)}.`);
      return;
    }
    if (Date.now() > deadline) {
      console.log(
        `\nStopped following after ${elapsed(startedAt)}; ${devices.length - terminal.size} device(s) still running. ` +
          'Their status URLs above (with the system key from .local/host-keys.json) keep answering.',
      );
      return;
    }
    await new Promise((r) => setTimeout(r, pollEveryMs));
  }
}

function elapsed(since: number): string {
  const seconds = Math.round((Date.now() - since) / 1000);
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}

function timingNote(options: DemoOptions): string[] {
  const outcome =
    options.tenant === 'fabrikam'
      ? 'Fabrikam has no free E5 seats: every step passes, then the licence step fails (noLicenceSeats).'
      : 'Contoso has free E5 seats: the devices should end onboarded.';
  return options.realTiming
    ? [
        outcome,
        'Real timing: the simulator takes its realistic times (import 5 min, Autopilot sync 2 min, enrollment 20 min,',
        'BitLocker 10 min, Defender 15 + 20 min) and the orchestration checks with its production waits (import after',
        '1, 2, 4, 8 min; enrollment after 15 min, then 30; BitLocker and Defender after 10 min, then 20):',
        'expect about 70 minutes per device (estimated from those waits).',
      ]
    : [
        outcome,
        'Quick devices: the simulator was told (control API, per-device behaviour) to take each ordered device through',
        'Autopilot, enrollment, BitLocker and Defender within about 35 s. The orchestration keeps its production waits:',
        'it checks the import after 1 minute, then finds each later step done at its first check, so each device',
        'finishes about 1 minute after its order. --real-timing keeps the realistic times (about 70 minutes).',
      ];
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const endpoints = localEndpoints();
  const agent = new Agent({ ca: endpoints.caPem, keepAlive: false });
  const secret = await readWebhookSecret(root, source);

  const tenant = await findTenant(agent, endpoints, demoTenants[options.tenant]);
  const users = await unlicensedUsers(endpoints, tenant, options.devices);
  const order = demoOrder(tenant.id, users);
  if (!options.realTiming) {
    for (const device of order.devices) {
      await simulatorJson(
        agent,
        `${endpoints.simulator}/_sim/tenants/${tenant.id}/devices/${encodeURIComponent(device.serialNumber)}/behaviour`,
        'PUT',
        { delays: quickDevice },
      );
    }
  }

  console.log(
    `Order ${order.orderId} for ${tenant.displayName} (${tenant.id}), ${order.devices.length} device(s):`,
  );
  for (const d of order.devices) console.log(`  ${d.serialNumber}  for ${d.assignedUserPrincipalName}`);
  console.log(`\nPOST ${endpoints.hostBase}/api/autopilot/webhook (source '${source}', signed)`);
  const startedAt = Date.now();
  const answer = await postOrder(endpoints.hostBase, secret, order);
  console.log(`${answer.status}\n${withoutKey(JSON.stringify(answer.body, null, 2))}`);
  if (answer.status !== 202) throw new DemoError(`The webhook refused the order (${answer.status})`);
  if (!options.follow) return;

  console.log(
    `\n${timingNote(options).join('\n')}\n\nFollowing the status URLs every ${pollEveryMs / 1000} s:`,
  );
  const durableKey = (
    JSON.parse(readFileSync(resolve(root, '.local', 'host-keys.json'), 'utf8')) as {
      systemKeys: { durabletask_extension: string };
    }
  ).systemKeys.durabletask_extension;
  const devices = (answer.body as { devices: AcceptedDevice[] }).devices.map((d) => ({
    ...d,
    statusUrl: `${endpoints.hostBase}/runtime/webhooks/durabletask/instances/${encodeURIComponent(d.instanceId)}?code=${encodeURIComponent(durableKey)}`,
  }));
  const followFor = (options.realTiming ? 120 : 10) * 60_000;
  await follow(devices, startedAt, startedAt + followFor);
}

main().catch((error: unknown) => {
  // https.request reports the refusal itself; fetch reports it as the cause.
  const failure = error as { code?: string; cause?: { code?: string } };
  const refused = (failure.code ?? failure.cause?.code) === 'ECONNREFUSED';
  const message = error instanceof Error ? error.message : String(error);
  console.error(`demo:order failed: ${message}${refused ? ' (is `npm start` running?)' : ''}`);
  process.exit(1);
});
