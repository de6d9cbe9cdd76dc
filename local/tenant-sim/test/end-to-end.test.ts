/**
 * The whole simulator (framework + model + routes) through real clients: @azure/identity for tokens,
 * HTTPS for Graph and Defender, the control API for tenants and time.
 */
import { Agent } from 'node:https';
import { ClientCertificateCredential, ClientSecretCredential } from '@azure/identity';
import { VirtualClock } from '@mds/platform-kit';
import { type TenantSimHandle, startTenantSimulator } from '..';
import { SimHttp, testCertificate } from './support';

const minute = 60_000;
const permissions = [
  'DeviceManagementManagedDevices.Read.All',
  'DeviceManagementServiceConfig.ReadWrite.All',
  'DeviceManagementConfiguration.ReadWrite.All',
  'BitLockerKey.Read.All',
  'Machine.Read.All',
];

describe('tenant simulator end to end', () => {
  let sim: TenantSimHandle;
  let clock: VirtualClock;
  let http: SimHttp;
  let agent: Agent;
  let cert: Awaited<ReturnType<typeof testCertificate>>;
  let appCert: Awaited<ReturnType<typeof testCertificate>>;
  let tenantId: string;
  let clientId: string;
  let graph: string;
  let defender: string;

  beforeAll(async () => {
    [cert, appCert] = await Promise.all([testCertificate(), testCertificate()]);
    clock = new VirtualClock();
    sim = await startTenantSimulator({ cert, clock });
    http = new SimHttp(cert.cert);
    agent = new Agent({ ca: cert.cert, keepAlive: true });

    const created = await http.send('POST', `${sim.url}/_sim/tenants`, {
      body: {
        displayName: 'Northwind',
        domain: 'northwind.onmicrosoft.com',
        seed: 'northwind',
        deviceCount: 10_000,
        e5: { enabled: 10_500, consumed: 9_000 },
        apps: [{ clientSecret: 'northwind-secret-0123456789', certificatePem: appCert.cert, permissions }],
      },
    });
    expect(created.status).toBe(201);
    tenantId = created.body.id;
    clientId = created.body.apps[0].clientId;
    expect(created.body.apps[0].clientSecret).toBe('northwind-secret-0123456789');

    const options = { authorityHost: sim.authorityHost, disableInstanceDiscovery: true, agent };
    graph = (
      await new ClientSecretCredential(tenantId, clientId, 'northwind-secret-0123456789', options).getToken(
        'https://graph.microsoft.com/.default',
      )
    ).token;
    // The tenant may also be addressed by its domain, as login.microsoftonline.com allows.
    const byCertificate = new ClientCertificateCredential(
      'northwind.onmicrosoft.com',
      clientId,
      { certificate: `${appCert.key}\n${appCert.cert}` },
      options,
    );
    defender = (await byCertificate.getToken('https://api.securitycenter.microsoft.com/.default')).token;
  });

  afterAll(async () => {
    agent.destroy();
    http.close();
    await sim.stop();
    cert.dispose();
    appCert.dispose();
  });

  const graphGet = (path: string) => http.get(`${sim.graphUrl}${path}`, graph);

  it('pages all 10,000 managed devices and Defender machines of a generated fleet', async () => {
    let url: string | undefined =
      `${sim.graphUrl}/v1.0/deviceManagement/managedDevices?$select=id,serialNumber,complianceState&$top=1000`;
    const serials = new Set<string>();
    for (let pages = 0; url && pages < 20; pages++) {
      const page = await http.get(url, graph);
      expect(page.status).toBe(200);
      for (const device of page.body.value as { serialNumber: string }[]) serials.add(device.serialNumber);
      url = page.body['@odata.nextLink'];
    }
    expect(serials.size).toBe(10_000);

    const machines = await http.get(
      `${sim.defenderUrl}/api/machines?$select=id,aadDeviceId,onboardingStatus`,
      defender,
    );
    expect(machines.status).toBe(200);
    expect(machines.body.value.length).toBeGreaterThan(9_000);
    expect(Object.keys(machines.body.value[0] as object).sort()).toEqual([
      'aadDeviceId',
      'id',
      'onboardingStatus',
    ]);
  });

  it('follows an imported device through onboarding as the virtual clock advances', async () => {
    const serial = 'E2E-SERIAL-0001';
    await http.send('PUT', `${sim.url}/_sim/tenants/${tenantId}/devices/E2E-SERIAL-0002/behaviour`, {
      body: { stallAt: 'defenderOnboarding' },
    });
    const imported = await http.send(
      'POST',
      `${sim.graphUrl}/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/import`,
      {
        token: graph,
        body: {
          importedWindowsAutopilotDeviceIdentities: ['E2E-SERIAL-0001', 'E2E-SERIAL-0002'].map(
            (serialNumber) => ({
              serialNumber,
              hardwareIdentifier: Buffer.from(`hash-${serialNumber}`.repeat(8)).toString('base64'),
              groupTag: 'MMD',
            }),
          ),
        },
      },
    );
    expect(imported.status).toBe(200);
    const importId = imported.body.value[0].id as string;
    const advance = async (ms: number) =>
      expect((await http.send('POST', `${sim.url}/_sim/clock/advance`, { body: { ms } })).status).toBe(200);
    type Json = Record<string, unknown>;
    const importStatus = async (): Promise<unknown> =>
      (await graphGet(`/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/${importId}`)).body
        .state.deviceImportStatus;
    const managedDevice = async (serialNumber = serial): Promise<Json | undefined> =>
      (
        await graphGet(
          `/v1.0/deviceManagement/managedDevices?$filter=${encodeURIComponent(`serialNumber eq '${serialNumber}'`)}`,
        )
      ).body.value[0] as Json | undefined;
    const machine = async (aadDeviceId: unknown): Promise<Json | undefined> =>
      (
        await http.get(
          `${sim.defenderUrl}/api/machines?$filter=${encodeURIComponent(`aadDeviceId eq '${String(aadDeviceId)}'`)}`,
          defender,
        )
      ).body.value[0] as Json | undefined;

    expect(await importStatus()).toBe('unknown');
    await advance(6 * minute);
    expect(await importStatus()).toBe('complete');
    expect(
      (
        await http.send('POST', `${sim.graphUrl}/beta/deviceManagement/windowsAutopilotSettings/sync`, {
          token: graph,
        })
      ).status,
    ).toBe(204);
    await advance(2 * minute);
    expect(await managedDevice()).toBeUndefined();

    await advance(20 * minute);
    const enrolled = (await managedDevice())!;
    expect(enrolled).toMatchObject({ serialNumber: serial, isEncrypted: false });
    expect(await machine(enrolled.azureADDeviceId)).toBeUndefined();

    await advance(11 * minute);
    expect((await managedDevice())?.isEncrypted).toBe(true);
    const keys = await graphGet(
      `/v1.0/informationProtection/bitlocker/recoveryKeys?$filter=${encodeURIComponent(`deviceId eq '${String(enrolled.azureADDeviceId)}'`)}`,
    );
    expect(keys.body.value).toHaveLength(1);

    await advance(4 * minute);
    expect(await machine(enrolled.azureADDeviceId)).toMatchObject({
      onboardingStatus: 'Onboarded',
      healthStatus: 'Active',
    });
    const stalled = await managedDevice('E2E-SERIAL-0002');
    expect(stalled?.serialNumber).toBe('E2E-SERIAL-0002');
    expect(await machine(stalled?.azureADDeviceId)).toBeUndefined();

    // The TPM: a list answers hardwareInformation with defaults, the device's own GET with $select the real value.
    const tpm = (body: { hardwareInformation?: { tpmSpecificationVersion?: string | null } }) =>
      body.hardwareInformation?.tpmSpecificationVersion;
    const listed = await graphGet(
      `/beta/deviceManagement/managedDevices?$filter=${encodeURIComponent(`id eq '${String(enrolled.id)}'`)}&$select=id,hardwareInformation`,
    );
    expect(tpm(listed.body.value[0])).toBeNull();
    const single = await graphGet(
      `/beta/deviceManagement/managedDevices/${String(enrolled.id)}?$select=id,hardwareInformation`,
    );
    expect(tpm(single.body)).toBe('2.0');

    const protection = async (): Promise<unknown> =>
      (await graphGet(`/beta/deviceManagement/managedDevices/${String(enrolled.id)}/windowsProtectionState`))
        .body.signatureUpdateOverdue;
    expect(await protection()).toBe(true);
    await advance(20 * minute);
    expect(await protection()).toBe(false);
  });

  it('serves a $batch against the real routes and counts it', async () => {
    const first = (await graphGet('/v1.0/deviceManagement/managedDevices?$top=2&$select=id')).body.value as {
      id: string;
    }[];
    sim.control.resetCounters(tenantId);
    const answer = await http.send('POST', `${sim.graphUrl}/v1.0/$batch`, {
      token: graph,
      body: {
        requests: [
          ...first.map((device, index) => ({
            id: String(index),
            method: 'GET',
            url: `/deviceManagement/managedDevices/${device.id}?$select=id,deviceName`,
          })),
          {
            id: 'missing',
            method: 'GET',
            url: '/deviceManagement/managedDevices/00000000-0000-0000-0000-00000000dead',
          },
        ],
      },
    });
    const statuses = Object.fromEntries(
      (answer.body.responses as { id: string; status: number }[]).map((inner) => [inner.id, inner.status]),
    );
    expect(statuses).toEqual({ 0: 200, 1: 200, missing: 404 });
    expect(sim.control.counterValues(tenantId).requests).toMatchObject({
      'POST graph-v1.0 /$batch': 1,
      'GET graph-v1.0 /deviceManagement/managedDevices/{id}': 3,
    });
  });

  it('serves finished report exports from their unauthenticated download link', async () => {
    const job = await http.send('POST', `${sim.graphUrl}/beta/deviceManagement/reports/exportJobs`, {
      token: graph,
      body: { reportName: 'Devices', select: ['DeviceName', 'SerialNumber'], format: 'csv' },
    });
    expect(job.status).toBe(201);
    await http.send('POST', `${sim.url}/_sim/clock/advance`, { body: { ms: 2 * minute } });
    const done = await graphGet(`/beta/deviceManagement/reports/exportJobs/${job.body.id}`);
    expect(done.body.status).toBe('completed');
    const download = await http.get(done.body.url as string);
    expect(download.status).toBe(200);
    // A ZIP (its local file header names the CSV inside); the unit tests read the CSV out of it.
    expect(String(download.body).startsWith('PK')).toBe(true);
    expect(String(download.body)).toContain(`Devices_${String(job.body.id)}.csv`);
  });
});
