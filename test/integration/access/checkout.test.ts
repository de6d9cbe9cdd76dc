/**
 * The checkout of a tenant's msadmin credential over the wire: request, dual control, one lease per account, the
 * password once, and rotation at the end of the lease, proven with Entra's password grant in the simulator.
 */
import { type AccessWorld, credentialPersona, startAccessWorld } from '../../support/access-world';
import { type Persona } from '../../support/operator-world';

jest.setTimeout(180_000);

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
});
