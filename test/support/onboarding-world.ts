import { join } from 'node:path';
import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { VirtualClock, localCertificate } from '@mds/platform-kit';
import { consoleLogSink, type HostHandle, type LogEntry, startHost } from '@mds/functions-host';
import { type ServiceBusStandIn, startServiceBus } from '@mds/servicebus-broker';
import { type TenantSimHandle, startTenantSimulator, allPermissions } from '@mds/tenant-sim';
import {
  deviceEventsSubscriptionNames,
  messagingEntities,
  queueNames,
  topicNames,
} from '../../shared/platform/declarations';
import { composition, resetComposition } from '../../shared/composition';
import { telemetryTimers } from '../../shared/telemetry/contract';
import { sweepTimer } from '../../shared/compliance/contract';
import { reconcileTimer } from '../../shared/provisioning/contract';
import { rotationTimer } from '../../shared/access/contract';
import { type TenantRecord } from '../../shared/domain/tenant';
import { onboardingInstanceId } from '../../shared/onboarding/device-order';
import { signDelivery, webhookHeaders } from '../../shared/onboarding/webhook/signature';
import { secretNames } from '../../shared/platform/secret-names';
import { provisionCosmos, provisionCustomerAuditSink } from '@mds/dev';
import { customerAuditStorage, stackCaPem, stackConfig, stackSettings } from './stack';

/**
 * The app on the local host against the shared stack (Cosmos, Key Vault, Service Bus, Azurite) and a tenant
 * simulator of its own, both on one virtual clock, so that days of Autopilot and enrollment pass in milliseconds.
 */
export interface OnboardingWorld {
  clock: VirtualClock;
  sim: TenantSimHandle;
  host: HostHandle;
  webhookSecret: string;
  /** Every line the host logged (the app's own lines included), to look for what must never be logged. */
  logs: LogEntry[];
  addTenant(spec: {
    name: string;
    deviceCount: number;
    seats: { enabled: number; consumed: number };
  }): Promise<TenantRecord>;
  /** Users of a tenant without an E5 licence, for orders that should end licensed. */
  unlicensedUsers(tenantId: string, count: number): string[];
  postOrder(order: unknown, options?: PostOptions): Promise<{ status: number; body: any; headers: Headers }>;
  waitForInstances(
    ids: string[],
    timeoutMs?: number,
  ): Promise<Map<string, { runtimeStatus: string; output: any; customStatus?: unknown }>>;
  serviceBus: ServiceBusClient;
  /** This world's own broker, to stop and restart (Service Bus unreachable). */
  broker: ServiceBusStandIn;
  /** Waits until the orders queue is empty and the host has nothing in flight. */
  settle(): Promise<void>;
  /** Stops the host at once (whatever it was doing) and starts a fresh one: a crash and restart of the app. */
  restartHost(): Promise<void>;
  stop(): Promise<void>;
}

export interface PostOptions {
  deliveryId?: string;
  timestamp?: number;
  secret?: string;
  source?: string;
  rawBody?: string;
}

const e5 = '06ebc4ee-1bb5-47dd-8120-11324bc54e06';

const appTimers = [
  ...telemetryTimers.map(({ name }) => name),
  rotationTimer.name,
  reconcileTimer.name,
  sweepTimer.name,
];
/**
 * `timers: true` leaves the reconcile and sweep timers off: their tests start them at the windows they choose
 * (host.invoke), or name them.
 */
const timersOfTrue = appTimers.filter((name) => name !== reconcileTimer.name && name !== sweepTimer.name);

/**
 * The app's timers fire only in a world that asks for them (`timers: true` for all of them but the reconcile and sweep, or a
 * list of their names), so that they stay out of other tests' time; such a world keeps its data in a Cosmos database
 * of its own (`ownDatabase`): the timers' runs read every tenant of their database.
 */
export async function startOnboardingWorld(
  options: { timers?: boolean | readonly string[] } = {},
): Promise<OnboardingWorld> {
  const enabled: readonly string[] = options.timers === true ? timersOfTrue : options.timers || [];
  const clock = new VirtualClock(Date.now());
  const cert = await localCertificate();
  const sim = await startTenantSimulator({ cert, clock });
  // A broker of its own: test files run in parallel, and a shared orders queue would hand one world's orders to
  // another world's host.
  const broker = await startServiceBus({ port: 0, entities: messagingEntities });
  const logs: LogEntry[] = [];
  const echo = process.env.E2E_HOST_LOG ? consoleLogSink() : undefined;
  const run = Math.random().toString(36).slice(2, 8);
  const hostOptions = {
    entry: join(__dirname, '../../functions/index.ts'),
    appRoot: join(__dirname, '../..'),
    clock,
    settings: {
      ...stackSettings(),
      ENTRA_AUTHORITY_HOST: sim.authorityHost,
      GRAPH_BASE_URL: sim.graphUrl,
      DEFENDER_BASE_URL: sim.defenderUrl,
      ServiceBusConnection: broker.connectionString,
      ...(enabled.length > 0 ? await ownDatabase(run) : {}),
      ...Object.fromEntries(
        appTimers
          .filter((name) => !enabled.includes(name))
          .map((name) => [`AzureWebJobs.${name}.Disabled`, 'true']),
      ),
    },
    log: (entry: LogEntry) => {
      logs.push(entry);
      echo?.(entry);
    },
  };
  const host = await startHost(hostOptions);
  const app = composition();
  const webhookSecret =
    (await app.platform.secrets.getSecret(secretNames.autopilotWebhookSecret('autopilot'))).value ?? '';
  const serviceBus = new ServiceBusClient(broker.connectionString);

  const world: OnboardingWorld = {
    clock,
    sim,
    host,
    webhookSecret,
    logs,
    serviceBus,
    broker,
    async addTenant({ name, deviceCount, seats }) {
      const secret = `${name}-secret-${run}-0123456789abcdef`;
      const created = sim.control.createTenant({
        displayName: name,
        domain: `${name.toLowerCase()}${run}.onmicrosoft.com`,
        seed: `${name}-${run}`,
        deviceCount,
        e5: seats,
        apps: [{ clientSecret: secret, permissions: [...allPermissions] }],
      });
      return app.provisioning.registerTenant({
        id: created.id,
        displayName: name,
        clientId: created.apps[0]!.clientId,
        clientSecret: secret,
        auditSink: await provisionCustomerAuditSink(customerAuditStorage(), created.id),
      });
    },
    unlicensedUsers(tenantId, count) {
      const users = sim.world
        .tenant(tenantId)!
        .directory.allUsers()
        .filter((u) => !u.holds(e5))
        .slice(0, count)
        .map((u) => u.userPrincipalName);
      if (users.length < count)
        throw new Error(`tenant ${tenantId} has only ${users.length} unlicensed users`);
      return users;
    },
    async postOrder(order, options = {}) {
      const rawBody = options.rawBody ?? JSON.stringify(order);
      const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
      const deliveryId = options.deliveryId ?? `delivery-${run}-${Math.random().toString(36).slice(2)}`;
      const response = await fetch(`${world.host.baseUrl}/api/autopilot/webhook`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [webhookHeaders.source]: options.source ?? 'autopilot',
          [webhookHeaders.delivery]: deliveryId,
          [webhookHeaders.timestamp]: String(timestamp),
          [webhookHeaders.signature]: signDelivery(
            options.secret ?? webhookSecret,
            timestamp,
            deliveryId,
            rawBody,
          ),
        },
        body: rawBody,
      });
      const text = await response.text();
      return {
        status: response.status,
        body: text ? JSON.parse(text) : undefined,
        headers: response.headers,
      };
    },
    async waitForInstances(ids, timeoutMs = 120_000) {
      // Orders reach the orchestrations through the queue: wait until every instance exists, then drive time.
      const deadline = Date.now() + timeoutMs;
      for (const id of ids) {
        while (!(await exists(world.host, id))) {
          if (Date.now() > deadline) throw new Error(`instance ${id} was never started`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      const results = new Map<string, { runtimeStatus: string; output: any; customStatus?: unknown }>();
      for (const id of ids)
        results.set(
          id,
          (await world.host.waitForInstance(id, {
            timeoutMs: Math.max(1000, deadline - Date.now()),
          })) as never,
        );
      return results;
    },
    async settle() {
      const receiver = serviceBus.createReceiver(queueNames.deviceOrders);
      try {
        const deadline = Date.now() + 10_000;
        while (Date.now() < deadline) {
          if ((await receiver.peekMessages(1)).length === 0) {
            await world.host.waitForIdle({ timeoutMs: 10_000 });
            return;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error('the orders queue did not drain');
      } finally {
        await receiver.close();
      }
    },
    async restartHost() {
      await world.host.stop();
      await resetComposition();
      world.host = await startHost(hostOptions);
    },
    async stop() {
      await serviceBus.close();
      await world.host.stop();
      await resetComposition();
      await sim.stop();
      await broker.stop();
    },
  };
  return world;
}

/**
 * A Cosmos database of the world's own, for a world that fires the app's timers. A telemetry run pulls every active
 * tenant in its database, and the shared one holds other test files' tenants too, which live in simulators this
 * world's host cannot reach: their pulls fail for minutes of virtual time each, hold the run's batches, and push this
 * world's own pulls past the time its test lets pass (and how many there are depends on what else runs).
 */
async function ownDatabase(run: string): Promise<{ COSMOS_DATABASE: string }> {
  const { COSMOS_ENDPOINT: endpoint, COSMOS_KEY: key, COSMOS_DATABASE: shared } = stackConfig();
  if (!key) throw new Error('The local stack exported no COSMOS_KEY');
  const id = `${shared}-world-${run}`;
  await provisionCosmos({ endpoint, key, ca: stackCaPem() }, id);
  return { COSMOS_DATABASE: id };
}

async function exists(host: HostHandle, id: string): Promise<boolean> {
  return (await host.durable.getStatus(id)) !== undefined;
}

export function orderFor(tenantId: string, orderId: string, devices: { serial: string; upn: string }[]) {
  return {
    tenantId,
    orderId,
    devices: devices.map((d) => ({
      serialNumber: d.serial,
      hardwareHash: Buffer.from(`4K-hardware-hash-of-${d.serial}-padding`).toString('base64'),
      groupTag: 'MMD',
      assignedUserPrincipalName: d.upn,
    })),
  };
}

export function instanceIdOf(tenantId: string, serial: string): string {
  return onboardingInstanceId(tenantId, serial);
}

/**
 * The events on `device-events` about the given tenants, read from the all-events subscription (until `count` came,
 * for up to `waitMs`; a test that expects none waits only as long as publishing could lag).
 */
export async function receiveEvents(
  world: OnboardingWorld,
  tenantIds: string[],
  count: number,
  waitMs = 10_000,
): Promise<ServiceBusReceivedMessage[]> {
  const receiver = world.serviceBus.createReceiver(
    topicNames.deviceEvents,
    deviceEventsSubscriptionNames.allEvents,
    {
      receiveMode: 'receiveAndDelete',
    },
  );
  const mine: ServiceBusReceivedMessage[] = [];
  try {
    const deadline = Date.now() + waitMs;
    while (mine.length < count && Date.now() < deadline) {
      const batch = await receiver.receiveMessages(50, { maxWaitTimeInMs: 500 });
      mine.push(...batch.filter((m) => tenantIds.includes(String(m.applicationProperties?.tenantId))));
    }
  } finally {
    await receiver.close();
  }
  return mine;
}
