/**
 * The checkout of a tenant's service-account credential over the wire, in one world with the rotation sweep on (and
 * so a Cosmos database of its own): request, dual control, one lease per
 * account, the password once, rotation at the end of the lease proven with Entra's password grant in the simulator,
 * refusals, break glass, a failing rotation retried and alerted, the 13-day schedule, and a search of everything the
 * run wrote for every password it produced.
 */
import { type ServiceBusReceivedMessage } from '@azure/service-bus';
import { customerAuditAdmin } from '@mds/dev';
import { credentialAccounts } from '../../../shared/access/contract';
import { composition } from '../../../shared/composition';
import { cosmosContainers, messagingEntities, topicNames } from '../../../shared/platform/declarations';
import { secretNames } from '../../../shared/platform/secret-names';
import { customerAuditStorage } from '../../support/stack';
import { customerRecords, operatorRecords } from '../../support/audit-sinks';
import { auditActions } from '../../../shared/audit/contract';
import { type ChainRecord } from '../../../shared/audit/chain';
import { passTime } from '../telemetry/support';
import { type Persona } from '../../support/operator-world';
import { type AccessWorld, credentialPersona, startAccessWorld } from '../../support/access-world';

jest.setTimeout(300_000);

const minute = 60_000;
const day = 24 * 60 * minute;

describe('just-in-time checkout with dual control', () => {
  let aw: AccessWorld;
  beforeAll(async () => {
    aw = await startAccessWorld();
  });
  afterAll(async () => aw?.stop());

  it('refuses self-approval, hands the password out once, refuses a second lease, rotates at check-in', async () => {
    const { requester, approver, secondApprover } = aw;
    const id = await aw.request(requester);

    const self = await aw.post(approver, `credential-requests/${await aw.request(approver)}/approve`);
    expect(self.status).toBe(403);
    expect(self.body.reason).toBe('selfApproval');

    const approved = await aw.post(approver, `credential-requests/${id}/approve`);
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('approved');
    expect(approved.body.residency).toBe('US');

    const before = await aw.vaultPassword('msadmin');
    const out = await aw.post(requester, `credential-requests/${id}/checkout`);
    expect(out.status).toBe(200);
    expect(out.headers.get('cache-control')).toBe('no-store');
    const first: string = out.body.password;
    aw.seenPasswords.add(first);
    expect(first).toBe(before.password);
    expect((await aw.passwordGrant('msadmin', first)).status).toBe(200);

    const again = await aw.post(requester, `credential-requests/${id}/checkout`);
    expect(again.status).toBe(409);
    expect(again.text).not.toContain(first);

    // A second operator's approved request waits for the lease: who holds it, until when.
    const other = await aw.request(secondApprover);
    expect((await aw.post(approver, `credential-requests/${other}/approve`)).status).toBe(200);
    const held = await aw.post(secondApprover, `credential-requests/${other}/checkout`);
    expect(held.status).toBe(409);
    expect(held.body.heldBy).toEqual({ oid: requester.oid, displayName: requester.record!.displayName });
    expect(held.body.until).toBe(out.body.leaseEndsAt);

    const checkedIn = await aw.post(requester, `credential-requests/${id}/checkin`);
    expect(checkedIn.status).toBe(200);
    const done = await aw.ow.world.host.waitForInstance(aw.instanceOf(id));
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toMatchObject({ status: 'checkedIn' });

    const after = await aw.vaultPassword('msadmin');
    expect(after.version).not.toBe(before.version);
    expect(await aw.passwordGrant('msadmin', first)).toEqual({ status: 400, errorCodes: [50126] });
    expect((await aw.passwordGrant('msadmin', after.password)).status).toBe(200);

    // Now the second operator's checkout gets the new password.
    const second = await aw.post(secondApprover, `credential-requests/${other}/checkout`);
    expect(second.status).toBe(200);
    aw.seenPasswords.add(second.body.password);
    expect(second.body.password).toBe(after.password);
    expect((await aw.post(secondApprover, `credential-requests/${other}/checkin`)).status).toBe(200);
    expect((await aw.ow.world.host.waitForInstance(aw.instanceOf(other))).output).toMatchObject({
      status: 'checkedIn',
    });
  });

  it('ends an expired lease and rotates: the old password fails the grant, the new one works', async () => {
    const id = await aw.request(aw.requester, { account: 'mstest', durationMinutes: 15 });
    expect((await aw.post(aw.approver, `credential-requests/${id}/approve`)).status).toBe(200);
    const checkedOutAt = aw.ow.world.clock.now();
    const out = await aw.post(aw.requester, `credential-requests/${id}/checkout`);
    expect(out.status).toBe(200);
    aw.seenPasswords.add(out.body.password);
    const user = aw.ow.world.sim.world.tenant(aw.tenantId)!.directory.user(`mstest@${aw.domain}`)!;
    const changedBefore = user.lastPasswordChangeAt;
    // Nobody checks in: the host's clock jumps to the end of the lease.
    const done = await aw.ow.world.host.waitForInstance(aw.instanceOf(id));
    expect(done.output).toMatchObject({ status: 'leaseExpired' });
    expect(user.lastPasswordChangeAt!).toBeGreaterThanOrEqual(checkedOutAt + 15 * 60_000);
    expect(user.lastPasswordChangeAt).not.toBe(changedBefore);
    expect(await aw.passwordGrant('mstest', out.body.password)).toEqual({ status: 400, errorCodes: [50126] });
    expect((await aw.passwordGrant('mstest', (await aw.vaultPassword('mstest')).password)).status).toBe(200);
    const view = await aw.ow.call('GET', `/api/v1/tenants/${aw.tenantId}/credential-requests/${id}`, {
      token: aw.ow.token(aw.requester),
    });
    expect(view.body).toMatchObject({ status: 'leaseExpired', ended: { reason: 'leaseExpired' } });
    expect(view.body.rotation.version).toBe((await aw.vaultPassword('mstest')).version);
  });

  it('expires a request nobody answers within 12 hours', async () => {
    const id = await aw.request(aw.requester, { account: 'soc_ro' });
    const started = aw.ow.world.clock.now();
    const done = await aw.ow.world.host.waitForInstance(aw.instanceOf(id));
    expect(done.output).toEqual({ requestId: id, status: 'expired' });
    expect(aw.ow.world.clock.now() - started).toBeGreaterThanOrEqual(12 * 3_600_000);
    const late = await aw.post(aw.approver, `credential-requests/${id}/approve`);
    expect(late.status).toBe(409);
    expect(late.body.status).toBe('expired');
  });

  it('lets the approver revoke an open lease, and rotates at once', async () => {
    const id = await aw.request(aw.requester, { account: 'wdgsoc' });
    expect((await aw.post(aw.approver, `credential-requests/${id}/approve`)).status).toBe(200);
    const out = await aw.post(aw.requester, `credential-requests/${id}/checkout`);
    aw.seenPasswords.add(out.body.password);
    const revoked = await aw.post(aw.secondApprover, `credential-requests/${id}/revoke`, {
      reason: 'Ticket closed by the customer',
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body.ended).toMatchObject({ reason: 'revoked', by: { oid: aw.secondApprover.oid } });
    expect((await aw.ow.world.host.waitForInstance(aw.instanceOf(id))).output).toMatchObject({
      status: 'revoked',
    });
    expect((await aw.passwordGrant('wdgsoc', out.body.password)).status).toBe(400);
  });

  it('refuses requesters and approvers who are abroad, lapsed, out of scope, without MFA or without acrs', async () => {
    const both = ['Credentials.Request', 'Credentials.Approve'] as const;
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const scope = [aw.tenantId];
    const cases: [Persona, number, string][] = [
      [credentialPersona('Abroad', both, scope, { country: 'CA' }), 403, 'operator_ineligible'],
      [
        credentialPersona('Lapsed', both, scope, { backgroundCheckExpiresOn: yesterday }),
        403,
        'operator_ineligible',
      ],
      [credentialPersona('Elsewhere', both, [aw.ow.inScope.id]), 404, 'not_found'],
      [{ ...credentialPersona('No MFA', both, scope), amr: ['pwd'] }, 403, 'mfa_required'],
      [{ ...credentialPersona('No acrs', both, scope), acrs: [] }, 403, 'authentication_context_required'],
    ];
    const pending = await aw.request(aw.requester, { account: 'soc_ro' });
    for (const [persona, status, code] of cases) {
      await aw.ow.register(persona);
      const asked = await aw.ow.call('POST', `/api/v1/tenants/${aw.tenantId}/credential-requests`, {
        token: aw.ow.token(persona),
        headers: { 'idempotency-key': `refused-${persona.oid}` },
        body: {
          justification: 'Investigating incident INC-2041 on the tenant',
          ticket: 'INC-2041',
          durationMinutes: 60,
        },
      });
      expect([persona.name, asked.status, asked.body.code]).toEqual([persona.name, status, code]);
      const approved = await aw.post(persona, `credential-requests/${pending}/approve`);
      expect([persona.name, approved.status, approved.body.code]).toEqual([persona.name, status, code]);
    }
    // Still pending: nobody above could approve it.
    const view = await aw.ow.call('GET', `/api/v1/tenants/${aw.tenantId}/credential-requests/${pending}`, {
      token: aw.ow.token(aw.requester),
    });
    expect(view.body.status).toBe('pending');
    expect(
      (await aw.post(aw.approver, `credential-requests/${pending}/deny`, { reason: 'Not needed' })).status,
    ).toBe(200);
  });

  it('validates what a request says: justification, ticket and duration', async () => {
    const bad = [
      { justification: 'too short', ticket: 'INC-1', durationMinutes: 60 },
      { justification: 'Investigating incident INC-2041 on the tenant', ticket: '', durationMinutes: 60 },
      {
        justification: 'Investigating incident INC-2041 on the tenant',
        ticket: 'INC-1',
        durationMinutes: 14,
      },
      {
        justification: 'Investigating incident INC-2041 on the tenant',
        ticket: 'INC-1',
        durationMinutes: 481,
      },
    ];
    for (const body of bad) {
      const answer = await aw.ow.call('POST', `/api/v1/tenants/${aw.tenantId}/credential-requests`, {
        token: aw.ow.token(aw.requester),
        headers: { 'idempotency-key': `invalid-${Math.random().toString(36).slice(2)}` },
        body,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('validation_failed');
    }
  });

  const alerts: ServiceBusReceivedMessage[] = [];

  /** Takes what reached the alerts subscription since the last call, keeping a copy for the final search. */
  async function receiveAlerts(): Promise<ServiceBusReceivedMessage[]> {
    const receiver = aw.ow.world.serviceBus.createReceiver(topicNames.operationsAlerts, 'all-alerts', {
      receiveMode: 'receiveAndDelete',
    });
    try {
      const got = await receiver.receiveMessages(50, { maxWaitTimeInMs: 300 });
      alerts.push(...got);
      return got;
    } finally {
      await receiver.close();
    }
  }

  async function checkedOut(account: string): Promise<{ id: string; password: string }> {
    const id = await aw.request(aw.requester, { account });
    expect((await aw.post(aw.approver, `credential-requests/${id}/approve`)).status).toBe(200);
    const out = await aw.post(aw.requester, `credential-requests/${id}/checkout`);
    expect(out.status).toBe(200);
    aw.seenPasswords.add(out.body.password);
    return { id, password: out.body.password };
  }

  it('lets an approver break glass only on a request nobody answered, once, alerted and reviewed', async () => {
    const { approver, secondApprover } = aw;
    const id = await aw.request(approver, { account: 'msadmin', durationMinutes: 240 });
    const reason = { reason: 'Customer outage, no approver reachable on call' };
    const early = await aw.post(approver, `credential-requests/${id}/break-glass`, reason);
    expect([early.status, early.body.reason]).toEqual([409, 'notEscalated']);

    // Thirty minutes pass unanswered: the orchestration escalates the request.
    await passTime(aw.ow.world, aw.ow.world.clock.now() + 31 * minute);
    const broke = await aw.post(approver, `credential-requests/${id}/break-glass`, reason);
    expect(broke.status).toBe(200);
    expect(broke.headers.get('cache-control')).toBe('no-store');
    aw.seenPasswords.add(broke.body.password);
    expect((await aw.passwordGrant('msadmin', broke.body.password)).status).toBe(200);
    const view = await aw.ow.call('GET', `/api/v1/tenants/${aw.tenantId}/credential-requests/${id}`, {
      token: aw.ow.token(approver),
    });
    expect(view.body).toMatchObject({
      status: 'checkedOut',
      leaseMinutes: 60,
      decision: { outcome: 'breakGlass', by: { oid: approver.oid } },
      review: { status: 'open' },
    });
    const raised = await receiveAlerts();
    expect(raised.map((m) => m.subject)).toContain('credential.breakGlass');

    // Rare: not again while a review of theirs is open (nor within 24 hours).
    const another = await aw.request(approver, { account: 'mstest' });
    await passTime(aw.ow.world, aw.ow.world.clock.now() + 31 * minute);
    const twice = await aw.post(approver, `credential-requests/${another}/break-glass`, reason);
    expect([twice.status, twice.body.reason]).toEqual([409, 'breakGlassLimit']);

    const own = await aw.post(approver, `credential-reviews/${id}/close`, { note: 'Reviewed my own use' });
    expect([own.status, own.body.reason]).toEqual([403, 'selfReview']);
    const closed = await aw.post(secondApprover, `credential-reviews/${id}/close`, {
      note: 'Checked the ticket and the audit trail',
    });
    expect(closed.body).toEqual({
      requestId: id,
      status: 'closed',
      closedBy: { oid: secondApprover.oid, displayName: secondApprover.record!.displayName },
    });
    expect((await aw.post(approver, `credential-requests/${id}/checkin`)).status).toBe(200);
    expect((await aw.ow.world.host.waitForInstance(aw.instanceOf(id))).output).toMatchObject({
      status: 'checkedIn',
    });
    expect((await aw.passwordGrant('msadmin', broke.body.password)).status).toBe(400);
    expect(
      (await aw.post(aw.secondApprover, `credential-requests/${another}/deny`, { reason: 'Not needed now' }))
        .status,
    ).toBe(200);
  });

  it('retries a rotation that fails, alerts, and rotates once the fault clears', async () => {
    const sim = aw.ow.world.sim.control;
    const { id, password } = await checkedOut('mstest');
    // Graph refuses every password change (503 asking for two minutes): each attempt fails fast.
    sim.setFaults(aw.tenantId, {
      errors: { rate: 1, statuses: [503], retryAfterSeconds: 120 },
      match: { method: 'PATCH', pathPrefix: '/users/' },
    });
    expect((await aw.post(aw.requester, `credential-requests/${id}/checkin`)).status).toBe(200);
    const failures: ServiceBusReceivedMessage[] = [];
    for (let step = 0; step < 20 && failures.length === 0; step++) {
      await aw.ow.world.host.waitForIdle({ timeoutMs: 60_000 });
      failures.push(...(await receiveAlerts()).filter((m) => m.subject === 'credential.rotationFailed'));
      const due = aw.ow.world.clock.nextDue();
      if (failures.length === 0 && due !== undefined) await aw.ow.world.clock.advanceTo(due);
    }
    expect(failures).toHaveLength(1);
    expect(failures[0]!.body).toMatchObject({ tenantId: aw.tenantId, account: 'mstest', round: 1 });
    // Never silently valid: the old password still works, and the operators were told.
    expect((await aw.passwordGrant('mstest', password)).status).toBe(200);
    const patches = sim.counterValues(aw.tenantId).requests;
    expect(Object.entries(patches).some(([key, n]) => key.includes('PATCH') && n >= 6)).toBe(true);

    sim.setFaults(aw.tenantId, undefined);
    const done = await aw.ow.world.host.waitForInstance(aw.instanceOf(id));
    expect(done.output).toMatchObject({ status: 'checkedIn' });
    expect((done.output as { rotatedVersion: string }).rotatedVersion).toBe(
      (await aw.vaultPassword('mstest')).version,
    );
    expect((await aw.passwordGrant('mstest', password)).status).toBe(400);
    expect((await aw.passwordGrant('mstest', (await aw.vaultPassword('mstest')).password)).status).toBe(200);
  });

  it('rotates every account of the tenant on the 13-day schedule', async () => {
    const users = () =>
      credentialAccounts.map(
        (account) => aw.ow.world.sim.world.tenant(aw.tenantId)!.directory.user(`${account}@${aw.domain}`)!,
      );
    const before = users().map((u) => u.lastPasswordChangeAt!);
    const passwords = await Promise.all(
      credentialAccounts.map(async (a) => (await aw.vaultPassword(a)).password),
    );
    await passTime(aw.ow.world, aw.ow.world.clock.now() + 14 * day);
    const after = users().map((u) => u.lastPasswordChangeAt!);
    for (const [i, account] of credentialAccounts.entries()) {
      expect([account, after[i]! > before[i]!]).toEqual([account, true]);
      expect((await aw.passwordGrant(account, passwords[i]!)).status).toBe(400);
      expect((await aw.passwordGrant(account, (await aw.vaultPassword(account)).password)).status).toBe(200);
    }
  });

  it('records every step of the flows above in both audit environments', async () => {
    const app = composition();
    const steps = auditActions.filter((a) => a.startsWith('credential.'));
    const actionsIn = async (read: () => Promise<ChainRecord[]>) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const seen = new Set((await read()).map((r) => r.event.action as string));
        if (steps.every((s) => seen.has(s)) || Date.now() > deadline) return steps.filter((s) => seen.has(s));
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    expect(await actionsIn(() => operatorRecords(app, aw.tenantId))).toEqual(steps);
    expect(await actionsIn(() => customerRecords(app, aw.tenantId))).toEqual(steps);
  });

  it('leaves no password in logs, Cosmos, Service Bus, the audit sinks or any durable history', async () => {
    const app = composition();
    // Every password the run produced: each version of each account's secret, disabled ones read by enabling
    // them for a moment (Key Vault refuses to read a disabled version).
    const produced = new Set<string>(aw.seenPasswords);
    for (const account of credentialAccounts) {
      const name = secretNames.tenantServiceAccountPassword(aw.tenantId, account);
      for await (const v of app.platform.secrets.listPropertiesOfSecretVersions(name)) {
        if (v.enabled === false)
          await app.platform.secrets.updateSecretProperties(name, v.version!, { enabled: true });
        produced.add((await app.platform.secrets.getSecret(name, { version: v.version! })).value!);
        if (v.enabled === false)
          await app.platform.secrets.updateSecretProperties(name, v.version!, { enabled: false });
      }
    }
    expect(produced.size).toBeGreaterThan(credentialAccounts.length * 2);

    const haystacks: Record<string, string> = { logs: JSON.stringify(aw.ow.world.logs) };
    for (const [name, container] of Object.entries(cosmosContainers)) {
      const { resources } = await app.platform.cosmos.database
        .container(container.id)
        .items.readAll()
        .fetchAll();
      haystacks[`cosmos:${name}`] = JSON.stringify(resources);
    }
    const messages: unknown[] = [...alerts.map((m) => m.body)];
    for (const topic of messagingEntities.topics)
      for (const subscription of topic.subscriptions) {
        const receiver = aw.ow.world.serviceBus.createReceiver(topic.name, subscription.name);
        for (;;) {
          const page = await receiver.peekMessages(250);
          if (page.length === 0) break;
          messages.push(...page.map((m) => ({ body: m.body, properties: m.applicationProperties })));
        }
        await receiver.close();
      }
    haystacks.serviceBus = JSON.stringify(messages);
    for (const type of [
      'credential.requested',
      'credential.checkedOut',
      'credential.rotated',
      'credential.rotationFailed',
    ])
      expect(haystacks.serviceBus).toContain(type);
    const sink = customerAuditAdmin(customerAuditStorage()).getContainerClient(
      (await app.tenants.get(aw.tenantId)).auditSink!.container,
    );
    const blobs: string[] = [];
    for await (const blob of sink.listBlobsFlat())
      blobs.push((await sink.getBlobClient(blob.name).downloadToBuffer()).toString('utf8'));
    expect(blobs.join('\n')).toContain('credential.checkout');
    haystacks.customerSink = blobs.join('\n');

    const host = aw.ow.world.host;
    const listed = await fetch(`${host.durableClientData().rpcBaseUrl}instances?top=10000`);
    const instances = (await listed.json()) as { instanceId: string }[];
    expect(instances.length).toBeGreaterThan(8);
    const histories: unknown[] = [];
    for (const { instanceId } of instances)
      histories.push(
        await host.durable.getStatus(instanceId, { showHistory: true }),
        host.durable.internalHistory(instanceId),
      );
    haystacks.durable = JSON.stringify([instances, histories]);
    expect(haystacks.durable).toContain('credential');

    const hits = [...produced].flatMap((password) =>
      Object.entries(haystacks)
        .filter(([, text]) => text.includes(password) || text.includes(JSON.stringify(password).slice(1, -1)))
        .map(([where]) => where),
    );
    expect(hits).toEqual([]);
    console.log(
      `password search: ${produced.size} passwords, ${instances.length} instances, ${messages.length} messages, ` +
        `${aw.ow.world.logs.length} log lines, ${blobs.length} customer-sink blobs: ${hits.length} hits`,
    );
  });
});
