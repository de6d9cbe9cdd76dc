/**
 * What the operator routes do, beyond who may call them: idempotent onboarding starts through the orders queue, the
 * status route following a device, paging by continuation token, suspension refusing the webhook, and the registry.
 */
import { randomUUID } from 'node:crypto';
import { composition } from '../../../shared/composition';
import { operatorRoles } from '../../../shared/operators/contract';
import { orderFor } from '../../support/onboarding-world';
import {
  eligible,
  newOid,
  type OperatorWorld,
  type Persona,
  startOperatorWorld,
} from '../../support/operator-world';

jest.setTimeout(120_000);

describe('operator API behaviour', () => {
  let ow: OperatorWorld;
  let token: string;
  const lead: Persona = { name: 'lead', oid: newOid(), roles: operatorRoles, amr: ['pwd', 'mfa'] };

  beforeAll(async () => {
    ow = await startOperatorWorld();
    lead.record = eligible('all');
    await ow.register(lead);
    token = ow.token(lead);
  });

  afterAll(() => ow.stop());

  it('starts onboardings once per Idempotency-Key, hands out status routes, and follows a device through them', async () => {
    const [upn] = ow.world.unlicensedUsers(ow.inScope.id, 1);
    const serialNumber = `OP-${randomUUID().slice(0, 8)}`.toUpperCase();
    const body = orderFor(ow.inScope.id, 'ignored', [{ serial: serialNumber, upn: upn! }]);
    const request = {
      token,
      body: { orderId: `op-order-${serialNumber}`, devices: body.devices },
      headers: { 'idempotency-key': `key-${serialNumber}` },
    };
    const path = `/api/v1/tenants/${ow.inScope.id}/onboardings`;
    const first = await ow.call('POST', path, request);
    expect(first.status).toBe(202);
    expect(first.body.devices).toEqual([
      {
        serialNumber,
        instanceId: `onboard:${ow.inScope.id}:${serialNumber}`,
        statusUrl: `${ow.baseUrl}/api/v1/tenants/${ow.inScope.id}/onboardings/${serialNumber}`,
      },
    ]);
    const repeat = await ow.call('POST', path, request);
    expect(repeat.status).toBe(202);
    expect(repeat.body).toEqual(first.body);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');

    const reused = await ow.call('POST', path, { ...request, body: { ...request.body, orderId: 'another' } });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency_key_reused');
    const missingKey = await ow.call('POST', path, { token, body: request.body });
    expect(missingKey.status).toBe(400);
    expect(missingKey.body.errors).toEqual([expect.objectContaining({ field: 'idempotency-key' })]);

    // The queue trigger starts the orchestration; the status route shows it running, then its outcome.
    const statusPath = new URL(first.body.devices[0].statusUrl as string).pathname;
    await ow.world.waitForInstances([first.body.devices[0].instanceId as string]).catch(() => undefined);
    let status = await ow.call('GET', statusPath, { token });
    for (let i = 0; i < 200 && status.body?.runtimeStatus !== 'Completed'; i++) {
      await ow.world.clock.advance(30 * 60_000);
      await new Promise((r) => setTimeout(r, 20));
      status = await ow.call('GET', statusPath, { token });
      if (i === 0) expect(['Pending', 'Running', 'Completed']).toContain(status.body.runtimeStatus);
    }
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      tenantId: ow.inScope.id,
      serialNumber,
      runtimeStatus: 'Completed',
      outcome: { status: 'onboarded' },
    });
    expect(status.body.steps.map((s: { step: string }) => s.step)).toEqual(
      expect.arrayContaining([
        'autopilotImport',
        'enrollment',
        'encryption',
        'defender',
        'licence',
        'updateRing',
      ]),
    );
    expect(JSON.stringify(status.body)).not.toContain(upn);

    const device = await ow.call('GET', `/api/v1/tenants/${ow.inScope.id}/devices/${serialNumber}`, {
      token,
    });
    expect(device.status).toBe(200);
    expect(device.body).toMatchObject({
      serialNumber,
      health: 'healthy',
      onboarding: { status: 'onboarded' },
    });
  });

  it('pages devices by continuation token, and refuses a token from another query', async () => {
    const tenant = ow.outOfScope.id;
    const at = new Date().toISOString();
    for (let i = 0; i < 7; i++) {
      await composition().onboarding.store.record({
        instanceId: `onboard:${tenant}:PAGE-${i}`,
        request: {
          tenantId: tenant,
          orderId: 'paging',
          serialNumber: `PAGE-${i}`,
          hardwareHash: 'aGFyZHdhcmUtaGFzaC0wMDAw',
          groupTag: '',
          assignedUserPrincipalName: 'u@example.com',
          acceptedAt: at,
          enrollmentDeadline: 'P14D',
        },
        steps: [],
        observed:
          i % 2 ? { encryption: { encrypted: false, tpmPresent: true, recoveryKeyEscrowed: false } } : {},
        outcome: { status: 'failed', reason: 'encryptionNotVerified', detail: 'x' },
        startedAt: at,
        endedAt: at,
      });
    }
    const seen: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const page = await ow.call(
        'GET',
        `/api/v1/tenants/${tenant}/devices?pageSize=3${next ? `&continuationToken=${next}` : ''}`,
        { token },
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((d: { serialNumber: string }) => d.serialNumber));
      next = page.body.continuationToken;
      pages += 1;
      if (next && pages === 1) {
        const other = await ow.call(
          'GET',
          `/api/v1/tenants/${tenant}/devices?health=unhealthy&continuationToken=${next}`,
          {
            token,
          },
        );
        expect(other.status).toBe(400);
        expect(other.body.errors).toEqual([expect.objectContaining({ field: 'continuationToken' })]);
      }
    } while (next);
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `PAGE-${i}`));
    expect(pages).toBe(3);

    const unhealthy = await ow.call(
      'GET',
      `/api/v1/tenants/${tenant}/devices?health=unhealthy&pageSize=500`,
      { token },
    );
    expect(unhealthy.body.items.map((d: { serialNumber: string }) => d.serialNumber).sort()).toEqual([
      'PAGE-1',
      'PAGE-3',
      'PAGE-5',
    ]);
    const failed = await ow.call(
      'GET',
      `/api/v1/tenants/${tenant}/onboardings?status=failed&reason=encryptionNotVerified`,
      { token },
    );
    expect(failed.body.items).toHaveLength(7);
    expect((await ow.call('GET', `/api/v1/tenants/${tenant}/devices?pageSize=501`, { token })).status).toBe(
      400,
    );

    const summary = await ow.call('GET', `/api/v1/tenants/${tenant}`, { token });
    expect(summary.body).toMatchObject({
      status: 'active',
      devices: { total: 7, failed: 7, unhealthy: 3, unknown: 4 },
      onboardings: { failed: 7, failedBy: { encryptionNotVerified: 7 } },
    });
  });

  it('suspends a tenant so that its webhook deliveries are refused, and resumes it', async () => {
    const tenant = ow.outOfScope.id;
    const suspended = await ow.call('POST', `/api/v1/tenants/${tenant}/suspend`, { token });
    expect(suspended.body).toEqual({ id: tenant, status: 'suspended' });
    const delivery = await ow.world.postOrder(
      orderFor(tenant, `o-${randomUUID()}`, [
        { serial: `SUS-${randomUUID().slice(0, 6)}`, upn: 'u@example.com' },
      ]),
    );
    expect(delivery.status).toBe(403);
    const start = await ow.call('POST', `/api/v1/tenants/${tenant}/onboardings`, {
      token,
      body: { devices: orderFor(tenant, 'x', [{ serial: 'SUS-OP', upn: 'u@example.com' }]).devices },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(start.status).toBe(403);
    const resumed = await ow.call('POST', `/api/v1/tenants/${tenant}/resume`, { token });
    expect(resumed.body).toEqual({ id: tenant, status: 'active' });
  });

  it('keeps the registry: validates country and dates, refuses changes to one’s own record', async () => {
    const oid = newOid();
    const put = (body: unknown, target = oid) =>
      ow.call('PUT', `/api/v1/operators/${target}`, { token, body });
    const record = eligible([ow.inScope.id]);
    expect((await put(record)).status).toBe(201);
    expect((await put(record)).status).toBe(200);
    const bad = await put({ ...record, country: 'USA', backgroundCheckExpiresOn: '2026-02-30' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'backgroundCheckExpiresOn',
      'country',
    ]);
    expect((await put({ ...record, backgroundCheckExpiresOn: '2099-01-01' })).status).toBe(400);
    expect((await put({ ...record, country: 'ZZ' })).status).toBe(400);
    const self = await put(record, lead.oid);
    expect(self.status).toBe(403);
    const list = await ow.call('GET', '/api/v1/operators', { token });
    expect(list.body.operators).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: oid, eligible: true, updatedBy: lead.oid })]),
    );
    // The new operator's own view of themselves.
    const me = await ow.call('GET', '/api/v1/me', {
      token: ow.token({ name: 'new', oid, roles: ['Fleet.Read'], amr: ['pwd'] }),
    });
    expect(me.body).toMatchObject({
      eligible: true,
      allTenants: false,
      tenants: [{ id: ow.inScope.id, displayName: 'Litware' }],
    });
    await put({ ...record, enabled: false, country: 'FR' });
    const refused = await ow.call('GET', '/api/v1/me', {
      token: ow.token({ name: 'new', oid, roles: ['Fleet.Read'], amr: ['pwd'] }),
    });
    expect(refused.body).toMatchObject({
      eligible: false,
      ineligibleBecause: ['disabled', 'outsideUnitedStates'],
      tenants: [],
    });
  });
});
