/**
 * A sweep run by hand through the operator API: an operator with Fleet.Operate and MFA starts it
 * (`POST /api/v1/tenants/{tenantId}/sweeps`, 202 with a status URL), follows the status URL until it is done, and
 * reads the result at `GET /api/v1/tenants/{tenantId}/compliance`. The operator world's small in-scope tenant, made
 * healthy but for one device encrypted without a TPM.
 */
import { type TenantRecord } from '../../../shared/domain/tenant';
import { managedDevices, provisionForSweeps, seedTelemetry } from '../../support/compliance-world';
import {
  type OperatorWorld,
  type Persona,
  eligible,
  newOid,
  startOperatorWorld,
} from '../../support/operator-world';

jest.setTimeout(120_000);

describe('a sweep run through the operator API', () => {
  let ops: OperatorWorld;
  let tenant: TenantRecord;
  let token: string;

  beforeAll(async () => {
    ops = await startOperatorWorld();
    tenant = ops.inScope;
    const { world } = ops;
    world.sim.world.seedPosture(tenant.id, { healthy: true });
    provisionForSweeps(world, tenant);
    const devices = managedDevices(world, tenant.id);
    world.sim.world.setPosture(tenant.id, devices[0]!.serialNumber, {
      tpmPresent: false,
      // Intune agrees with the sweep: no conditional-access mismatch.
      intuneCompliance: 'noncompliant',
    });
    await seedTelemetry(tenant.id, devices, () => ({}), new Date(world.clock.now()).toISOString());
    const operator: Persona = {
      name: 'sweeper',
      oid: newOid(),
      roles: ['Fleet.Operate', 'Fleet.Read'],
      amr: ['pwd', 'mfa'],
      record: eligible([tenant.id]),
    };
    await ops.register(operator);
    token = ops.token(operator);
  });

  afterAll(async () => {
    await ops?.stop();
  });

  it('starts with 202 and a status URL, runs to completion, and the compliance view shows its result', async () => {
    const started = await ops.call('POST', `/api/v1/tenants/${tenant.id}/sweeps`, { token });
    expect(started.status).toBe(202);
    const statusUrl = String(started.body.statusUrl);
    expect(started.headers.get('location')).toBe(statusUrl);
    expect(started.body).toMatchObject({ tenantId: tenant.id, state: 'started' });

    const statusPath = new URL(statusUrl).pathname;
    const deadline = Date.now() + 90_000;
    let status = await ops.call('GET', statusPath, { token });
    while (status.status === 200 && status.body.status === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = await ops.call('GET', statusPath, { token });
    }
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      sweepId: started.body.sweepId,
      status: 'completed',
      outcome: { devices: 3, healthy: 2, unhealthy: 1, notReporting: 0, caMismatches: 0 },
    });

    const view = await ops.call('GET', `/api/v1/tenants/${tenant.id}/compliance`, { token });
    expect(view.status).toBe(200);
    expect(view.body.lastSweep).toMatchObject({
      sweepId: started.body.sweepId,
      devices: 3,
      healthy: 2,
      unhealthy: 1,
      notReporting: 0,
      shares: { bitLocker: { share: 2 / 3, devices: 3 } },
    });
    const rule = (id: string) => (view.body.rules as { ruleId: string }[]).find((row) => row.ruleId === id);
    expect(rule('MDS-ENC-01')).toMatchObject({ pass: 2, fail: 1, unknown: 0, passRate: 2 / 3 });
    expect(rule('MDS-ENC-02')).toMatchObject({ pass: 3, fail: 0 });
    expect(view.body.trend).toHaveLength(1);
  });
});
