/**
 * Every declared audit action is recorded, once, in each sink it belongs to; each sink and the application logs hold
 * only what they may. Onboarding's actions (the webhook's start, both remediations) run for real through the
 * webhook, the queue and the orchestration. Provisioning's actions run for real through the operator API's routes
 * and the orchestrations they start (registration, provisioning, drift policy, an on-demand reconcile that
 * remediates, an accepted deviation). The other operator actions (tenant.suspend/resume, operator.update and an
 * operator-started onboarding.start) are driven through the port here.
 */
import { type AuditAction, type AuditEvent, auditActions } from '../../../shared/audit/contract';
import { operatorEnvironmentChain } from '../../../shared/audit/operator-sink';
import { composition } from '../../../shared/composition';
import { type TenantRecord } from '../../../shared/domain/tenant';
import { customerRecords, operatorRecords, waitForRecords } from '../../support/audit-sinks';
import { provisionCustomerAuditSink } from '@mds/dev';
import { allPermissions } from '@mds/tenant-sim';
import { provisionInstanceId, reconcileInstanceId } from '../../../shared/provisioning/contract';
import { instanceIdOf, type OnboardingWorld, orderFor } from '../../support/onboarding-world';
import { eligible, newOid, type OperatorWorld, startOperatorWorld } from '../../support/operator-world';
import { customerAuditStorage } from '../../support/stack';

jest.setTimeout(180_000);

const operator = { kind: 'operator' as const, oid: 'oid-ophelia-7f3a', displayName: 'Ophelia Quillfeather' };

describe('privileged actions in the audit trail', () => {
  let ow: OperatorWorld;
  let world: OnboardingWorld;
  let tenant: TenantRecord;
  beforeAll(async () => {
    ow = await startOperatorWorld();
    world = ow.world;
    tenant = await world.addTenant({ name: 'Audited', deviceCount: 10, seats: { enabled: 50, consumed: 0 } });
  });
  afterAll(async () => {
    await ow.stop();
  });

  it('records each declared action exactly once per sink, personal data only where it belongs', async () => {
    const app = composition();
    const [bitlockerUser, defenderUser] = world.unlicensedUsers(tenant.id, 2);
    world.sim.control.setDeviceBehaviour(tenant.id, 'AUD-BITLOCKER', { stallAt: 'keyEscrow' });
    world.sim.control.setDeviceBehaviour(tenant.id, 'AUD-DEFENDER', { stallAt: 'signatureUpdate' });
    const posted = await world.postOrder(
      orderFor(tenant.id, 'PO-AUDIT', [
        { serial: 'AUD-BITLOCKER', upn: bitlockerUser! },
        { serial: 'AUD-DEFENDER', upn: defenderUser! },
      ]),
    );
    expect(posted.status).toBe(202);
    const ids = [instanceIdOf(tenant.id, 'AUD-BITLOCKER'), instanceIdOf(tenant.id, 'AUD-DEFENDER')];
    const done = await world.waitForInstances(ids);
    for (const id of ids) expect(done.get(id)?.output).toMatchObject({ status: 'onboarded' });

    // The operator API's actions, through the port it will call.
    const byOperator: AuditEvent[] = [
      opEvent('tenant.suspend', { type: 'tenant', id: tenant.id }),
      opEvent('tenant.resume', { type: 'tenant', id: tenant.id }),
      opEvent('onboarding.start', {
        type: 'device',
        id: 'AUD-BY-OPERATOR',
        customerPersonal: { userPrincipalName: bitlockerUser! },
      }),
    ];
    const provisioned = await provisionThroughRoutes();
    // Privileged access's steps through the port: their routes and flow are exercised over the wire, with the
    // audit records of each step, in test/integration/access/checkout.test.ts.
    for (const action of auditActions.filter((a) => a.startsWith('credential.')))
      byOperator.push(opEvent(action, { type: 'credential', id: `msadmin:${tenant.id}` }));
    // The compliance routes' actions (their route tests run in the operator world), through the same port.
    byOperator.push(
      opEvent('compliance.sweep', { type: 'tenant', id: `${tenant.id}:sweep` }),
      opEvent('compliance.settings', { type: 'tenant', id: `${tenant.id}:settings` }),
    );
    const operatorUpdate: AuditEvent = {
      ...opEvent('operator.update', { type: 'operator', id: 'oid-someone-else' }),
      tenantId: undefined,
    };
    for (const event of [...byOperator, operatorUpdate]) await app.audit.port.record(event);

    // Each record by what it is about: the action and its target.
    const keyOf = (r: { event: Record<string, unknown> }) =>
      `${r.event.action as string}:${(r.event.target as { id: string }).id}`;
    const expected = [
      'onboarding.start:AUD-BITLOCKER',
      'onboarding.start:AUD-DEFENDER',
      'remediation.run:AUD-BITLOCKER',
      'remediation.run:AUD-DEFENDER',
      ...byOperator.map((e) => keyOf({ event: e as never })),
    ];
    const operatorSide = await waitForRecords(
      () => operatorRecords(app, tenant.id),
      expected,
      'operator sink',
      30_000,
      keyOf,
    );
    const customerSide = await waitForRecords(
      () => customerRecords(app, tenant.id),
      expected,
      'customer sink',
      30_000,
      keyOf,
    );
    const operatorOnly = await waitForRecords(
      () => operatorRecords(app, operatorEnvironmentChain),
      [operatorUpdate.id],
      'operator sink',
    );
    // Redelivered messages and retried activities recorded nothing twice.
    for (const side of [operatorSide, customerSide]) {
      const seen = side.map(keyOf);
      expect(new Set(side.map((r) => r.event.id)).size).toBe(side.length);
      expect(seen.sort()).toEqual([...expected].sort());
    }
    // Every declared action is among them: a new action fails here until something records it.
    const recorded = new Set<AuditAction>(
      [...operatorSide, ...operatorOnly, ...provisioned].map((r) => r.event.action as AuditAction),
    );
    expect([...auditActions].filter((a) => !recorded.has(a))).toEqual([]);

    const remediation = customerSide.find((r) => keyOf(r) === 'remediation.run:AUD-BITLOCKER')!;
    expect(remediation.event).toMatchObject({
      action: 'remediation.run',
      actor: { kind: 'service', functionName: 'remediateEncryption', instanceId: ids[0] },
      target: { type: 'device', id: 'AUD-BITLOCKER' },
      outcome: 'succeeded',
    });
    const names = remediation.event.target as { customerPersonal: Record<string, string> };
    const deviceName = names.customerPersonal.deviceName!;
    const displayName = names.customerPersonal.userDisplayName!;
    expect(names.customerPersonal.userPrincipalName).toBe(bitlockerUser);
    expect(deviceName).toBeTruthy();
    expect(displayName).toBeTruthy();

    // The customer's people in clear in its sink, nowhere else.
    const customerText = JSON.stringify(customerSide);
    const customerPeople = [bitlockerUser!, defenderUser!, deviceName, displayName];
    for (const value of customerPeople) expect(customerText).toContain(value);
    const operatorText = JSON.stringify([...operatorSide, ...operatorOnly]);
    const logText = world.logs
      .map(
        (l) =>
          `${l.message} ${l.error instanceof Error ? `${l.error.message} ${l.error.stack}` : JSON.stringify(l.error ?? null)}`,
      )
      .join('\n');
    for (const value of customerPeople) {
      expect(operatorText.toLowerCase()).not.toContain(value.toLowerCase());
      expect(logText.toLowerCase()).not.toContain(value.toLowerCase());
    }
    // The operator's people in clear in the operator sink, never in the customer's.
    expect(operatorText).toContain(operator.displayName);
    expect(customerText).not.toContain(operator.displayName);
    expect(customerText).not.toContain(operator.oid);
    // Every line the audit and onboarding functions logged names its invocation, tenant and instance.
    const appLines = world.logs.filter(
      (l) => l.category === 'user' && /^deliverAudit|^remediate/.test(l.functionName ?? ''),
    );
    expect(appLines.length).toBeGreaterThan(0);
    for (const line of appLines)
      expect(line.message).toMatch(/^\[invocation=[^ ]+ tenant=[^ ]+ instance=[^ ]+\] /);
  });

  /**
   * A tenant registered and provisioned through the routes, a ring policy deleted, reported-only changes chosen, an
   * on-demand reconcile that restores the policy, and its deviation accepted. Each action once per sink; returns the
   * operator sink's records of that tenant.
   */
  async function provisionThroughRoutes() {
    const app = composition();
    const manager = {
      name: 'manager',
      oid: newOid(),
      roles: ['Tenants.Manage', 'Fleet.Read'] as const,
      amr: ['pwd', 'mfa'],
      record: eligible('all'),
    };
    await ow.register(manager);
    const token = ow.token(manager);
    const call = (method: string, path: string, body?: unknown) =>
      ow.call(method, `/api/v1${path}`, { token, ...(body === undefined ? {} : { body }) });
    const clientSecret = `provisioned-secret-${Math.random().toString(36).slice(2)}-0123456789`;
    const created = world.sim.control.createTenant({
      displayName: 'Provisioned',
      domain: `provisioned${Math.random().toString(36).slice(2, 8)}.onmicrosoft.com`,
      seed: `provisioned-${Math.random()}`,
      deviceCount: 1,
      e5: { enabled: 10, consumed: 0 },
      apps: [{ clientSecret, permissions: [...allPermissions] }],
    });
    const id = created.id;
    const registered = await call('POST', '/tenants', {
      tenantId: id,
      displayName: 'Provisioned',
      clientId: created.apps[0]!.clientId,
      clientSecret,
      auditSink: await provisionCustomerAuditSink(customerAuditStorage(), id),
    });
    expect(registered.status).toBe(202);
    const provisioning = await world.host.waitForInstance(provisionInstanceId(id));
    expect(provisioning.output).toMatchObject({ status: 'active' });
    world.sim.control.changeTenant(id, {
      kind: 'deletePolicy',
      displayName: 'Managed Desktop - Update ring Fast',
    });
    expect(
      (await call('PUT', `/tenants/${id}/drift-policy`, { handling: { 'kind:changed': 'report' } })).status,
    ).toBe(200);
    expect((await call('POST', `/tenants/${id}/reconcile`)).status).toBe(202);
    const reconcile = await world.host.waitForInstance(reconcileInstanceId(id));
    expect(reconcile.output).toMatchObject({ outcome: 'succeeded', deviations: 1 });
    const [drift] = (await call('GET', `/tenants/${id}/drift`)).body.items as { id: string }[];
    expect(
      (await call('POST', `/tenants/${id}/drift/${drift!.id}/accept`, { reason: 'Accepted for the test.' }))
        .status,
    ).toBe(200);

    // Provisioning wrote once per desired object, the reconcile once to create and once to assign the policy.
    const writes = (provisioning.output as { writes: number }).writes;
    const expected = [
      'tenant.register',
      ...Array.from({ length: writes }, () => 'tenant.provision'),
      'drift.policy',
      'tenant.reconcile',
      'drift.remediate',
      'drift.remediate',
      'drift.accept',
    ].sort();
    const byAction = (r: { event: Record<string, unknown> }) => r.event.action as string;
    const sides = [];
    for (const [what, read] of [
      ['operator sink', () => operatorRecords(app, id)],
      ['customer sink', () => customerRecords(app, id)],
    ] as const) {
      let side = await waitForRecords(read, expected, what, 30_000, byAction);
      // Every action has arrived once; the rest of the repeated ones follow within moments.
      for (let tries = 0; side.length < expected.length && tries < 100; tries++) {
        await new Promise((r) => setTimeout(r, 100));
        side = await read();
      }
      expect(side.map(byAction).sort()).toEqual(expected);
      expect(new Set(side.map((r) => r.event.id)).size).toBe(side.length);
      sides.push(side);
    }
    const register = sides[0]!.find((r) => r.event.action === 'tenant.register')!;
    expect(register.event).toMatchObject({
      actor: { kind: 'operator', oid: manager.oid },
      target: { type: 'tenant', id },
      outcome: 'succeeded',
    });
    const remediate = sides[0]!.find((r) => r.event.action === 'drift.remediate')!;
    expect(remediate.event).toMatchObject({ actor: { kind: 'service' }, reason: 'create:policy:ring-fast' });
    return sides[0]!;
  }

  function opEvent(action: AuditAction, target: AuditEvent['target']): AuditEvent {
    return {
      id: `${action}:op-request-${Math.random().toString(36).slice(2)}`,
      action,
      actor: operator,
      tenantId: tenant.id,
      target,
      outcome: 'succeeded',
      reason: 'ticket CHG-1234',
      correlation: { invocationId: 'op-api-invocation' },
      time: new Date().toISOString(),
    };
  }
});
