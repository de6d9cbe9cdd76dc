/**
 * The onboarding steps and the Graph/Defender client against the tenant simulator, over HTTPS with real tokens
 * from @azure/identity: the shapes the app reads and writes are the ones the simulator (and Graph) use.
 */
import { VirtualClock, temporaryCertificate } from '@mds/platform-kit';
import { type TenantSimHandle, startTenantSimulator, allPermissions } from '@mds/tenant-sim';
import { type TenantRecord } from '../../../shared/domain/tenant';
import { sendBatch } from '../../../shared/platform/graph/batch';
import { TenantClients, type TenantApis } from '../../../shared/platform/graph/tenant-clients';
import { ensureTenantLayout } from '../../../shared/provisioning/tenant-layout';
import {
  assignDeploymentProfile,
  importIdentities,
  importStatusOf,
  type ListedAutopilotDevice,
  requestAutopilotSync,
  type ListedImport,
} from '../../../shared/onboarding/steps/autopilot';
import { remediateDefender } from '../../../shared/onboarding/steps/device-state';
import { e5SkuId, ensureE5Licence } from '../../../shared/onboarding/steps/licence';
import { assignUpdateRing } from '../../../shared/onboarding/steps/update-ring';
import { type OnboardingRequest } from '../../../shared/onboarding/contract';

const minute = 60_000;

describe('onboarding steps against the tenant simulator', () => {
  let cert: Awaited<ReturnType<typeof temporaryCertificate>>;
  let clock: VirtualClock;
  let sim: TenantSimHandle;
  let tenant: TenantRecord;
  let apis: TenantApis;
  const secrets = new Map<string, string>();

  beforeAll(async () => {
    cert = await temporaryCertificate();
    clock = new VirtualClock();
    sim = await startTenantSimulator({ cert, clock });
    const created = sim.control.createTenant({
      displayName: 'Litware',
      domain: 'litware.onmicrosoft.com',
      seed: 'litware',
      deviceCount: 50,
      e5: { enabled: 100, consumed: 10 },
      apps: [{ clientSecret: 'litware-app-secret-0123456789', permissions: [...allPermissions] }],
    });
    const app = created.apps[0]!;
    secrets.set('litware-client-id', app.clientId);
    secrets.set('litware-client-secret', 'litware-app-secret-0123456789');
    tenant = {
      id: created.id,
      displayName: 'Litware',
      status: 'active',
      updateRings: { test: 5, first: 15, fast: 30, broad: 50 },
      defaultUsageLocation: 'US',
      secretNames: { graphClientId: 'litware-client-id', graphClientSecret: 'litware-client-secret' },
    };
    const clients = new TenantClients(
      {
        authorityHost: sim.authorityHost,
        graphBaseUrl: sim.graphUrl,
        defenderBaseUrl: sim.defenderUrl,
        tlsOptions: { ca: [cert.cert] },
        maxInFlight: 8,
        tuning: { baseDelayMs: 50, maxDelayMs: 500, maxRetryAfterMs: 30_000 },
        maxRetries: 4,
        timeoutMs: 10_000,
        credentialTtlMs: 600_000,
      },
      {
        getSecret: (name) => {
          const value = secrets.get(name);
          return value ? Promise.resolve(value) : Promise.reject(new Error(`no secret ${name}`));
        },
      },
    );
    apis = await clients.forTenant(tenant);
  });

  afterAll(async () => {
    await sim.stop();
    cert.dispose();
  });

  it('provisions the tenant layout idempotently', async () => {
    const first = await ensureTenantLayout(apis.graph);
    const second = await ensureTenantLayout(apis.graph);
    expect(second).toEqual(first);
    expect(Object.keys(first.ringGroupIds).sort()).toEqual(['broad', 'fast', 'first', 'test']);
  });

  it('imports a new device in one call, follows its import in the listings, and acts on the enrolled device', async () => {
    await ensureTenantLayout(apis.graph);
    const request: OnboardingRequest = {
      tenantId: tenant.id,
      orderId: 'PO-7',
      serialNumber: 'LW-NEW-0001',
      hardwareHash: Buffer.from('hardware-hash-of-LW-NEW-0001').toString('base64'),
      groupTag: 'MMD',
      assignedUserPrincipalName: 'new.user@litware.onmicrosoft.com',
      acceptedAt: new Date(clock.now()).toISOString(),
      enrollmentDeadline: 'P14D',
    };
    // One import call for the order, as the tenant's watcher makes it; the listings then show the device.
    expect(await importIdentities(apis.graph, [request])).toBe(1);
    const status = async () => {
      const [imports, devices] = await Promise.all([
        apis.graph.listAll<ListedImport>('/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities'),
        apis.graph.listAll<ListedAutopilotDevice>('/beta/deviceManagement/windowsAutopilotDeviceIdentities'),
      ]);
      const mine = <T extends { serialNumber: string }>(rows: T[]) =>
        rows.find((r) => r.serialNumber === request.serialNumber);
      return importStatusOf(mine(imports), mine(devices));
    };
    expect(await status()).toEqual({ status: { state: 'pending' }, needsSync: false });
    await clock.advance(10 * minute);
    // Accepted, but not registered until Autopilot syncs: the status asks for a sync and stays pending.
    expect(await status()).toEqual({ status: { state: 'pending' }, needsSync: true });
    await requestAutopilotSync(apis.graph);
    await clock.advance(5 * minute);
    const registered = (await status())?.status;
    expect(registered).toMatchObject({ state: 'complete', autopilotDeviceId: expect.any(String) });

    const profile = await assignDeploymentProfile(apis.graph, request.serialNumber);
    expect(profile.profileName).toMatch(/Standard user/);

    await clock.advance(60 * minute);
    const [enrolled] = await apis.graph.listAll<{ id: string; azureADDeviceId: string }>(
      `/v1.0/deviceManagement/managedDevices?$filter=serialNumber eq '${request.serialNumber}'&$select=id,azureADDeviceId`,
    );
    if (!enrolled) throw new Error('not enrolled');
    await remediateDefender(apis.graph, {
      tenantId: tenant.id,
      serialNumber: request.serialNumber,
      managedDeviceId: enrolled.id,
      azureADDeviceId: enrolled.azureADDeviceId,
    });

    expect(await ensureE5Licence(apis.graph, request.assignedUserPrincipalName, 'US')).toEqual({
      kind: 'userNotFound',
    });
  });

  it('assigns an E5 licence once, however often it is asked', async () => {
    const users = await apis.graph.get<{
      value: { userPrincipalName: string; assignedLicenses: { skuId: string }[] }[];
    }>('/v1.0/users?$select=userPrincipalName,assignedLicenses&$top=50');
    const unlicensed = users.body.value.find((u) => !u.assignedLicenses.some((l) => l.skuId === e5SkuId));
    expect(unlicensed).toBeDefined();
    const upn = unlicensed!.userPrincipalName;
    expect(await ensureE5Licence(apis.graph, upn, 'US')).toEqual({ kind: 'assigned' });
    expect(await ensureE5Licence(apis.graph, upn, 'US')).toEqual({ kind: 'alreadyLicensed' });
  });

  it('places a device in its ring group, twice without error', async () => {
    const managed = await apis.graph.get<{
      value: { id: string; serialNumber: string; azureADDeviceId: string }[];
    }>('/v1.0/deviceManagement/managedDevices?$select=id,serialNumber,azureADDeviceId&$top=5');
    const d = managed.body.value.find((m) => m.azureADDeviceId)!;
    const device = {
      tenantId: tenant.id,
      serialNumber: d.serialNumber,
      managedDeviceId: d.id,
      azureADDeviceId: d.azureADDeviceId,
    };
    const first = await assignUpdateRing(apis.graph, tenant, device);
    expect(await assignUpdateRing(apis.graph, tenant, device)).toEqual(first);
  });
});

describe('Graph JSON batching against the tenant simulator', () => {
  let cert: Awaited<ReturnType<typeof temporaryCertificate>>;
  let sim: TenantSimHandle;
  let apis: TenantApis;
  let tenantId: string;
  const batchOptions = {
    version: 'v1.0' as const,
    tuning: { baseDelayMs: 10, maxDelayMs: 100, maxRetryAfterMs: 5_000 },
    maxRetries: 3,
  };

  beforeAll(async () => {
    cert = await temporaryCertificate();
    sim = await startTenantSimulator({ cert, clock: new VirtualClock() });
    const created = sim.control.createTenant({
      displayName: 'Batchworks',
      domain: 'batchworks.onmicrosoft.com',
      seed: 'batchworks',
      deviceCount: 30,
      e5: { enabled: 40, consumed: 0 },
      apps: [{ clientSecret: 'batchworks-secret-0123456789', permissions: [...allPermissions] }],
    });
    tenantId = created.id;
    const secrets = new Map([
      ['id', created.apps[0]!.clientId],
      ['secret', 'batchworks-secret-0123456789'],
    ]);
    const clients = new TenantClients(
      {
        authorityHost: sim.authorityHost,
        graphBaseUrl: sim.graphUrl,
        defenderBaseUrl: sim.defenderUrl,
        tlsOptions: { ca: [cert.cert] },
        maxInFlight: 4,
        tuning: batchOptions.tuning,
        maxRetries: 3,
        timeoutMs: 10_000,
        credentialTtlMs: 600_000,
      },
      { getSecret: (name) => Promise.resolve(secrets.get(name) ?? '') },
    );
    apis = await clients.forTenant({
      id: tenantId,
      displayName: 'Batchworks',
      status: 'active',
      updateRings: { test: 5, first: 15, fast: 30, broad: 50 },
      defaultUsageLocation: 'US',
      secretNames: { graphClientId: 'id', graphClientSecret: 'secret' },
    });
  });

  afterAll(async () => {
    await sim.stop();
    cert.dispose();
  });

  it('splits 25 requests into batches of at most 20 and answers each in order, failures included', async () => {
    const users = (await apis.graph.get<{ value: { id: string }[] }>('/v1.0/users?$select=id&$top=24')).body
      .value;
    expect(users).toHaveLength(24);
    const requests = [
      ...users.map((u, i) => ({ id: `u${i}`, method: 'GET' as const, url: `/users/${u.id}?$select=id` })),
      { id: 'missing', method: 'GET' as const, url: '/users/00000000-0000-0000-0000-000000000001' },
    ];
    const before = sim.control.counterValues(tenantId).requests['POST graph-v1.0 /$batch'] ?? 0;
    const answers = await sendBatch(apis.graph, requests, batchOptions);
    expect(answers.map((a) => a.id)).toEqual(requests.map((r) => r.id));
    expect(answers.slice(0, 24).every((a) => a.status === 200)).toBe(true);
    expect(answers[24]?.status).toBe(404);
    expect((sim.control.counterValues(tenantId).requests['POST graph-v1.0 /$batch'] ?? 0) - before).toBe(2);
  });

  it('sends throttled inner requests again after their Retry-After', async () => {
    const users = (await apis.graph.get<{ value: { id: string }[] }>('/v1.0/users?$select=id&$top=5')).body
      .value;
    sim.control.setFaults(tenantId, {
      throttleBurst: { count: 3, retryAfterSeconds: 1 },
      match: { pathPrefix: '/users' },
    });
    const answers = await sendBatch(
      apis.graph,
      users.map((u, i) => ({ id: `t${i}`, method: 'GET' as const, url: `/users/${u.id}?$select=id` })),
      batchOptions,
    );
    sim.control.setFaults(tenantId, undefined);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(sim.control.counterValues(tenantId).throttled).toBeGreaterThanOrEqual(3);
  });

  it('refuses duplicate request ids before sending anything', async () => {
    await expect(
      sendBatch(
        apis.graph,
        [
          { id: 'a', method: 'GET', url: '/users' },
          { id: 'a', method: 'GET', url: '/groups' },
        ],
        batchOptions,
      ),
    ).rejects.toThrow(RangeError);
  });
});
