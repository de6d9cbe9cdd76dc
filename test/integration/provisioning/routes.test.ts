/**
 * Provisioning through the operator API on the local host: registration → readiness → provisioning → active as a
 * durable orchestration, a tenant held by its readiness, drift reported by the tenant's choice, accepted, an
 * on-demand reconcile and the timer's run over all tenants. Then every place a value could leak to is searched for
 * every service-account password the run made: logs, every Cosmos container, Service Bus, both audit sinks and the
 * durable state and history of every orchestration instance.
 */
import { allPermissions } from '@mds/tenant-sim';
import { provisionCustomerAuditSink } from '@mds/dev';
import { operatorEnvironmentChain } from '../../../shared/audit/operator-sink';
import { composition } from '../../../shared/composition';
import { cosmosContainers, messagingEntities } from '../../../shared/platform/declarations';
import { secretNames } from '../../../shared/platform/secret-names';
import { serviceAccountNames } from '../../../shared/provisioning/desired-state';
import {
  provisionInstanceId,
  reconcileInstanceId,
  reconcileRunTenantInstanceId,
  reconcileTimer,
} from '../../../shared/provisioning/contract';
import { customerRecords, operatorRecords, waitForRecords } from '../../support/audit-sinks';
import {
  eligible,
  newOid,
  type OperatorWorld,
  type Persona,
  startOperatorWorld,
} from '../../support/operator-world';
import { customerAuditStorage } from '../../support/stack';

jest.setTimeout(180_000);

const manager: Persona = {
  name: 'manager',
  oid: newOid(),
  roles: ['Tenants.Manage', 'Fleet.Read'],
  amr: ['pwd', 'mfa'],
  record: eligible('all'),
};

describe('provisioning through the operator API', () => {
  let ow: OperatorWorld;
  let token: string;
  const run = Math.random().toString(36).slice(2, 8);
  beforeAll(async () => {
    ow = await startOperatorWorld();
    await ow.register(manager);
    token = ow.token(manager);
  });
  afterAll(async () => ow?.stop());

  const call = (method: string, path: string, body?: unknown) =>
    ow.call(method, `/api/v1${path}`, { token, ...(body === undefined ? {} : { body }) });
  const writes = (tenantId: string) => ow.world.sim.control.counterValues(tenantId).writes;

  async function newTenant(name: string) {
    const clientSecret = `${name}-secret-${run}-0123456789abcdef`;
    const created = ow.world.sim.control.createTenant({
      displayName: name,
      domain: `${name.toLowerCase()}${run}.onmicrosoft.com`,
      seed: `${name}-${run}`,
      deviceCount: 2,
      e5: { enabled: 20, consumed: 0 },
      apps: [{ clientSecret, permissions: [...allPermissions] }],
    });
    const sink = await provisionCustomerAuditSink(customerAuditStorage(), created.id);
    return {
      id: created.id,
      body: {
        tenantId: created.id,
        displayName: name,
        clientId: created.apps[0]!.clientId,
        clientSecret,
        auditSink: sink,
      },
    };
  }

  it('holds a tenant that is not ready, saying what to fix, and writes nothing to it', async () => {
    const { id, body } = await newTenant('Heldfast');
    ow.world.sim.control.changeTenant(id, { kind: 'setSecurityDefaults', enabled: true });
    expect((await call('POST', '/tenants', body)).status).toBe(202);
    const done = await ow.world.host.waitForInstance(provisionInstanceId(id));
    expect(done.output).toMatchObject({
      status: 'held',
      verdict: 'notReady',
      notReady: ['securityDefaults'],
    });
    const readiness = await call('GET', `/tenants/${id}/readiness`);
    expect(readiness.status).toBe(200);
    expect(
      readiness.body.checks.find((c: { check: string }) => c.check === 'securityDefaults'),
    ).toMatchObject({
      verdict: 'notReady',
      fix: expect.stringMatching(/security defaults/i),
    });
    expect((await call('GET', `/tenants/${id}/provisioning`)).body).toMatchObject({
      status: 'provisioning',
      readiness: 'notReady',
    });
    expect(writes(id)).toBe(0);
    expect((await call('POST', `/tenants/${id}/reconcile`)).status).toBe(409);
  });

  it('registers, provisions and reconciles through the routes, and no password leaves Key Vault', async () => {
    const { id, body } = await newTenant('Routed');
    const first = await call('POST', '/tenants', body);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ result: 'started', instanceId: provisionInstanceId(id) });
    expect(first.headers.get('location')).toBe(first.body.statusUrl);
    const repeat = await call('POST', '/tenants', body);
    expect(repeat.status).toBe(202);
    expect(repeat.body).toMatchObject({ result: 'exists', instanceId: provisionInstanceId(id) });
    const done = await ow.world.host.waitForInstance(provisionInstanceId(id));
    expect(done.output).toMatchObject({ status: 'active', verdict: 'ready' });
    expect((await call('POST', '/tenants', body)).body).toMatchObject({
      result: 'exists',
      tenantStatus: 'active',
    });
    const status = await call('GET', `/tenants/${id}/provisioning`);
    expect(status.body).toMatchObject({
      status: 'active',
      readiness: 'ready',
      provisioning: { runtimeStatus: 'Completed' },
    });
    const readiness = await call('GET', `/tenants/${id}/readiness`);
    expect(readiness.body.checks.map((c: { verdict: string }) => c.verdict)).toEqual(
      readiness.body.checks.map(() => 'ready'),
    );

    // Changed policies are only reported, by the tenant's choice; an accepted one stays accepted.
    ow.world.sim.control.changeTenant(id, {
      kind: 'changePolicy',
      displayName: 'Managed Desktop - Update ring Broad',
      changes: { qualityUpdatesDeferralPeriodInDays: 20 },
    });
    const policy = await call('PUT', `/tenants/${id}/drift-policy`, {
      handling: { 'kind:changed': 'report' },
    });
    expect(policy.status).toBe(200);
    expect(
      (await call('PUT', `/tenants/${id}/drift-policy`, { handling: { 'ring:nope': 'report' } })).status,
    ).toBe(400);
    const before = writes(id);
    const reconcile = await call('POST', `/tenants/${id}/reconcile`);
    expect(reconcile.status).toBe(202);
    const reconciled = await ow.world.host.waitForInstance(reconcileInstanceId(id));
    expect(reconciled.output).toEqual({ outcome: 'succeeded', writes: 0, deviations: 1 });
    expect(writes(id)).toBe(before);
    const drift = await call('GET', `/tenants/${id}/drift?status=new`);
    expect(drift.body.items).toEqual([
      expect.objectContaining({
        item: 'policy:ring-broad',
        kind: 'changed',
        changedFields: ['qualityUpdatesDeferralPeriodInDays'],
        handling: 'report',
        status: 'new',
      }),
    ]);
    const driftId = drift.body.items[0].id as string;
    const accepted = await call('POST', `/tenants/${id}/drift/${driftId}/accept`, {
      reason: 'The customer defers Broad longer.',
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({
      status: 'accepted',
      accepted: { by: manager.oid, reason: 'The customer defers Broad longer.' },
    });
    expect(
      (await call('POST', `/tenants/${id}/drift/nope:missing/accept`, { reason: 'why not' })).status,
    ).toBe(404);

    // The timer's run over all managed tenants: one sub-orchestration per tenant under the window's run id.
    const fired = await ow.world.host.invoke(reconcileTimer.name, {
      isPastDue: false,
      scheduleStatus: { lastUpdated: new Date(ow.world.clock.now()).toISOString() },
    });
    const runId = fired.returnValue as string;
    expect(runId).toMatch(/^reconcile-all:/);
    await ow.world.host.waitForInstance(runId);
    const mine = await ow.world.host.waitForInstance(reconcileRunTenantInstanceId(runId, id));
    expect(mine.output).toEqual({ outcome: 'succeeded', writes: 0, deviations: 1 });
    expect((await call('GET', `/tenants/${id}/drift?status=accepted`)).body.items).toHaveLength(1);

    const app = composition();
    await waitForRecords(
      () => operatorRecords(app, id),
      ['tenant.register', 'tenant.provision', 'drift.policy', 'tenant.reconcile', 'drift.accept'],
      'operator sink',
      30_000,
      (r) => r.event.action as string,
    );
    await waitForRecords(
      () => customerRecords(app, id),
      ['drift.accept'],
      'customer sink',
      30_000,
      (r) => String(r.event.action),
    );

    // Every password the run made, searched for everywhere it must not be.
    const passwords = await Promise.all(
      serviceAccountNames.map(
        async (name) =>
          (await app.platform.secrets.getSecret(secretNames.tenantServiceAccountPassword(id, name))).value!,
      ),
    );
    expect(new Set(passwords).size).toBe(4);
    const places: Record<string, string> = {
      logs: JSON.stringify(
        ow.world.logs.map((l) => ({
          ...l,
          error: l.error instanceof Error ? `${l.error.message} ${l.error.stack}` : l.error,
        })),
      ),
      ...(await cosmosDocuments()),
      ...(await serviceBusMessages()),
      operatorSink: JSON.stringify([
        await operatorRecords(app, id),
        await operatorRecords(app, operatorEnvironmentChain),
      ]),
      customerSink: JSON.stringify(await customerRecords(app, id)),
      ...(await durableState()),
    };
    expect(Object.keys(places).length).toBeGreaterThan(Object.keys(cosmosContainers).length + 5);
    // The haystacks are real: our own tenant is in each of the places it belongs.
    for (const place of ['logs', 'cosmos:tenants', 'cosmos:provisioning', 'operatorSink', 'customerSink'])
      expect(places[place]).toContain(id);
    expect(
      Object.entries(places).filter(([name]) => name.startsWith('durable:')).length,
    ).toBeGreaterThanOrEqual(4);
    const hits = Object.entries(places).flatMap(([place, text]) =>
      passwords.filter((p) => text.includes(p)).map(() => place),
    );
    expect(hits).toEqual([]);
  });

  async function cosmosDocuments(): Promise<Record<string, string>> {
    const entries = await Promise.all(
      (Object.keys(cosmosContainers) as (keyof typeof cosmosContainers)[]).map(async (name) => {
        const { resources } = await composition().platform.container(name).items.readAll().fetchAll();
        return [`cosmos:${name}`, JSON.stringify(resources)] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  /** Every message still held by this world's broker: queues, subscriptions and their dead-letter queues. */
  async function serviceBusMessages(): Promise<Record<string, string>> {
    const bus = ow.world.serviceBus;
    const peekAll = async (receiver: ReturnType<typeof bus.createReceiver>) => {
      try {
        const messages = await receiver.peekMessages(5000);
        return messages.map((m) => ({
          body: m.body,
          properties: m.applicationProperties,
          subject: m.subject,
        }));
      } finally {
        await receiver.close();
      }
    };
    const result: Record<string, string> = {};
    for (const queue of messagingEntities.queues)
      for (const subQueue of [undefined, 'deadLetter'] as const)
        result[`servicebus:${queue.name}${subQueue ? '/$dlq' : ''}`] = JSON.stringify(
          await peekAll(bus.createReceiver(queue.name, subQueue ? { subQueueType: subQueue } : {})),
        );
    for (const topic of messagingEntities.topics)
      for (const subscription of topic.subscriptions)
        for (const subQueue of [undefined, 'deadLetter'] as const)
          result[`servicebus:${topic.name}/${subscription.name}${subQueue ? '/$dlq' : ''}`] = JSON.stringify(
            await peekAll(
              bus.createReceiver(topic.name, subscription.name, subQueue ? { subQueueType: subQueue } : {}),
            ),
          );
    return result;
  }

  /** Each instance of this world's host: input, output, custom status, and its history with inputs and results. */
  async function durableState(): Promise<Record<string, string>> {
    const host = ow.world.host;
    const base = `${host.baseUrl}/runtime/webhooks/durabletask`;
    const code = host.keys.durableTaskKey;
    const list = (await (await fetch(`${base}/instances?code=${code}&top=1000`)).json()) as {
      instanceId: string;
    }[];
    const result: Record<string, string> = {};
    for (const { instanceId } of list) {
      const status = await (
        await fetch(
          `${base}/instances/${encodeURIComponent(instanceId)}?code=${code}&showHistory=true&showHistoryOutput=true&showInput=true`,
        )
      ).json();
      result[`durable:${instanceId}`] = JSON.stringify([status, host.durable.internalHistory(instanceId)]);
    }
    return result;
  }
});
