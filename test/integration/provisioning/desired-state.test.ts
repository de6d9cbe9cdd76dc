import { randomUUID } from 'node:crypto';
import { allPermissions } from '@mds/tenant-sim';
import { composition } from '../../../shared/composition';
import { secretNames } from '../../../shared/platform/secret-names';
import { type OnboardingWorld, startOnboardingWorld } from '../../support/onboarding-world';

jest.setTimeout(120_000);

describe('tenant provisioning as desired state', () => {
  let world: OnboardingWorld;
  beforeAll(async () => {
    world = await startOnboardingWorld();
  });
  afterAll(async () => world?.stop());

  const run = Math.random().toString(36).slice(2, 8);
  function newTenant(name: string, seats = { enabled: 20, consumed: 0 }) {
    const secret = `${name}-secret-${run}-0123456789abcdef`;
    const created = world.sim.control.createTenant({
      displayName: name,
      domain: `${name.toLowerCase()}${run}.onmicrosoft.com`,
      seed: `${name}-${run}`,
      deviceCount: 2,
      e5: seats,
      apps: [{ clientSecret: secret, permissions: [...allPermissions] }],
    });
    const registration = {
      id: created.id,
      displayName: name,
      clientId: created.apps[0]!.clientId,
      clientSecret: secret,
    };
    return { id: created.id, registration };
  }
  const writes = (tenantId: string) => world.sim.control.counterValues(tenantId).writes;

  it('takes a ready tenant to active, and a second reconcile makes zero writes', async () => {
    const { id, registration } = newTenant('Adatum');
    const started = Date.now();
    const result = await composition().provisioning.onboardTenant(registration, randomUUID());
    const provisionMs = Date.now() - started;
    expect(result.readiness.verdict).toBe('ready');
    expect(result.tenant.status).toBe('active');
    const provisionCalls = Object.values(world.sim.control.counterValues(id).requests).reduce(
      (a, b) => a + b,
      0,
    );
    const before = writes(id);
    const second = await composition().provisioning.reconcile(id, randomUUID());
    expect(second).toEqual({ outcome: 'succeeded', writes: 0, deviations: 0 });
    expect(writes(id)).toBe(before);
    const tenant = world.sim.world.tenant(id)!;
    const accounts = tenant.directory
      .allUsers()
      .filter((u) => /^(msadmin|mstest|soc_ro|wdgsoc)@/.test(u.userPrincipalName));
    expect(accounts).toHaveLength(4);
    expect(
      accounts.every((u) => u.usageLocation === 'US' && u.holds('06ebc4ee-1bb5-47dd-8120-11324bc54e06')),
    ).toBe(true);
    // Passwords: in Key Vault, nowhere in the logs, Cosmos drift/readiness/tenant records.
    const passwords = await Promise.all(
      ['msadmin', 'mstest', 'soc_ro', 'wdgsoc'].map(
        async (n) =>
          (await composition().platform.secrets.getSecret(secretNames.tenantServiceAccountPassword(id, n)))
            .value!,
      ),
    );
    const haystack = JSON.stringify([
      world.logs,
      await composition().provisioning.store.drift(id),
      await composition().provisioning.store.readiness(id),
      await composition().tenants.find(id),
    ]);
    for (const p of passwords) {
      expect(p.length).toBeGreaterThanOrEqual(20);
      expect(haystack).not.toContain(p);
    }
    console.log(`provision one tenant: ${provisionCalls} Graph calls, ${provisionMs} ms`);
  });

  it('holds a tenant failing a readiness check with its verdict and writes nothing', async () => {
    const cases: [string, (id: string) => void, string, { enabled: number; consumed: number }?][] = [
      // Three seats for four accounts. (A seeded `consumed` counts only users the simulator could license: with two
      // devices it may be none, which would leave the seats free.)
      ['Licences', () => undefined, 'licences', { enabled: 3, consumed: 0 }],
      [
        'Mdm',
        (id) => world.sim.control.changeTenant(id, { kind: 'setMdmAuthority', authority: 'unknown' }),
        'mdmAuthority',
      ],
      [
        'Defaults',
        (id) => world.sim.control.changeTenant(id, { kind: 'setSecurityDefaults', enabled: true }),
        'securityDefaults',
      ],
      [
        'Conflict',
        (id) =>
          world.sim.control.changeTenant(id, {
            kind: 'addGroup',
            displayName: 'Managed Desktop - Service accounts',
          }),
        'nameConflicts',
      ],
      [
        'Ca',
        (id) =>
          world.sim.control.changeTenant(id, {
            kind: 'addConditionalAccessPolicy',
            body: {
              displayName: 'Require MFA',
              state: 'enabled',
              conditions: {
                users: { includeUsers: ['All'] },
                applications: { includeApplications: ['All'] },
              },
              grantControls: { operator: 'OR', builtInControls: ['mfa'] },
            },
          }),
        'conditionalAccess',
      ],
    ];
    for (const [name, prepare, check, seats] of cases) {
      const { id, registration } = newTenant(`Held${name}`, seats);
      prepare(id);
      const result = await composition().provisioning.onboardTenant(registration, randomUUID());
      // Named per case, so that a failure says which check let a tenant through.
      expect([name, result.tenant.status, result.readiness.verdict]).toEqual([
        name,
        'provisioning',
        'notReady',
      ]);
      expect(result.readiness.checks.find((c) => c.check === check)?.verdict).toBe('notReady');
      expect(writes(id)).toBe(0);
    }
  });

  it('detects each injected drift in one run, remediates or reports as chosen, keeps accepted', async () => {
    const { id, registration } = newTenant('Drifty');
    await composition().provisioning.onboardTenant(registration, randomUUID());
    const domain = `drifty${run}.onmicrosoft.com`;
    const change = (c: unknown) => world.sim.control.changeTenant(id, c);
    change({ kind: 'deletePolicy', displayName: 'Managed Desktop - Update ring Fast' });
    change({
      kind: 'changePolicy',
      displayName: 'Managed Desktop - Update ring Broad',
      changes: { qualityUpdatesDeferralPeriodInDays: 20 },
    });
    change({
      kind: 'removeGroupMember',
      groupName: 'Managed Desktop - Service accounts',
      userPrincipalName: `mstest@${domain}`,
    });
    change({
      kind: 'assignForeignPolicy',
      groupName: 'Managed Desktop - Update ring Test',
      displayName: 'Contractor settings',
    });
    change({ kind: 'deleteGroup', displayName: 'Managed Desktop - Autopilot devices' });

    // A Graph outage during the read changes nothing.
    world.sim.control.setFaults(id, { errors: { rate: 1, statuses: [503], retryAfterSeconds: 0 } });
    const before = writes(id);
    const failed = await composition().provisioning.reconcile(id, randomUUID());
    world.sim.control.setFaults(id, undefined);
    expect(failed?.outcome).toBe('readFailed');
    expect(writes(id)).toBe(before);
    expect(await composition().provisioning.store.drift(id)).toEqual([]);

    const result = await composition().provisioning.reconcile(id, randomUUID());
    expect(result?.outcome).toBe('succeeded');
    const drift = await composition().provisioning.store.drift(id);
    const byItem = (item: string) => drift.find((d) => d.item === item);
    expect(byItem('policy:ring-fast')).toMatchObject({ kind: 'missing', status: 'remediated' });
    expect(byItem('policy:ring-broad')).toMatchObject({
      kind: 'changed',
      status: 'remediated',
      changedFields: ['qualityUpdatesDeferralPeriodInDays'],
    });
    expect(byItem('account:mstest:membership')).toMatchObject({ kind: 'missing', status: 'remediated' });
    expect(byItem('group:autopilot')).toMatchObject({ kind: 'missing', status: 'remediated' });
    const foreign = drift.find((d) => d.kind === 'unexpected')!;
    expect(foreign).toMatchObject({ status: 'new', handling: 'report' });
    expect(await composition().provisioning.reconcile(id, randomUUID())).toMatchObject({ writes: 0 });

    // Accepted stays accepted and is not remediated.
    await composition().provisioning.store.saveDrift({
      ...foreign,
      status: 'accepted',
      accepted: { by: 'test', at: new Date().toISOString(), reason: 'customer asked' },
    });
    await composition().provisioning.reconcile(id, randomUUID());
    expect((await composition().provisioning.store.driftRecord(id, foreign.id))?.status).toBe('accepted');
  });
});
