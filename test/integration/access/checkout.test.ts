/**
 * The checkout of a tenant's msadmin credential over the wire: request, dual control, one lease per account, the
 * password once, and rotation at the end of the lease, proven with Entra's password grant in the simulator.
 */
import { type AccessWorld, startAccessWorld } from '../../support/access-world';

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
  });
});
