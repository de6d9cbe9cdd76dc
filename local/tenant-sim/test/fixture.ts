/**
 * A small stand-in model and route set for testing the framework on its own (auth, OData, $batch,
 * throttling, faults, counters): what the real model does with the data is its own tests' business.
 */
import { VirtualClock } from '@mds/platform-kit';
import { type SimRoute, graphError } from '../contract';
import { type SimAppRegistration, type SimModel, type SimTenantView } from '../model-port';
import { odataEntity, odataList } from '../odata';
import { type SimServer, startSimServer } from '../server';
import { type ThrottleSettingsPatch } from '../throttle';
import { SimHttp, testCertificate } from './support';

export const tenantA = '11111111-1111-4111-8111-111111111111';
export const tenantB = '22222222-2222-4222-8222-222222222222';

export const readerApp: SimAppRegistration = {
  clientId: 'aaaaaaaa-0000-4000-8000-000000000001',
  displayName: 'fleet reader',
  clientSecret: 'reader-secret-value-0123456789',
  permissions: ['DeviceManagementManagedDevices.Read.All', 'Machine.Read.All'],
};
export const writerApp: SimAppRegistration = {
  clientId: 'aaaaaaaa-0000-4000-8000-000000000003',
  clientSecret: 'writer-secret-value-0123456789',
  permissions: [
    'DeviceManagementManagedDevices.Read.All',
    'DeviceManagementManagedDevices.PrivilegedOperations.All',
  ],
};
export const bareApp: SimAppRegistration = {
  clientId: 'aaaaaaaa-0000-4000-8000-000000000002',
  clientSecret: 'bare-secret-value-0123456789',
  permissions: [],
};

export interface FixtureDevice {
  id: string;
  deviceName: string;
  complianceState: 'compliant' | 'noncompliant' | 'unknown';
  isEncrypted: boolean;
  lastSyncDateTime: string;
  osVersion: string;
  userPrincipalName: string | null;
  hardwareInformation: { serialNumber: string; tpmVersion: string };
  assignedLicenses: { skuId: string }[];
}

const e5 = '06ebc4ee-1bb5-47dd-8120-11324bc54e06';
const deviceProperties = [
  'id',
  'deviceName',
  'complianceState',
  'isEncrypted',
  'lastSyncDateTime',
  'osVersion',
  'userPrincipalName',
  'hardwareInformation',
  'assignedLicenses',
];

export function fixtureDevices(count: number): FixtureDevice[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    deviceName: `DESKTOP-${String(index).padStart(5, '0')}`,
    complianceState: index % 10 === 0 ? 'noncompliant' : index % 10 === 1 ? 'unknown' : 'compliant',
    isEncrypted: index % 7 !== 0,
    lastSyncDateTime: new Date(Date.UTC(2026, 0, 1) + index * 60_000).toISOString().replace('.000Z', 'Z'),
    osVersion: index % 2 === 0 ? '10.0.26100.4349' : '10.0.22631.5472',
    userPrincipalName: index % 5 === 0 ? null : `user${index}@contoso.example`,
    hardwareInformation: { serialNumber: `SN${String(index).padStart(6, '0')}`, tpmVersion: '2.0' },
    assignedLicenses: index % 3 === 0 ? [{ skuId: e5 }] : [],
  }));
}

export class FixtureModel implements SimModel {
  readonly byId = new Map<string, SimTenantView & { devices: FixtureDevice[] }>();
  readonly behaviours: { tenantId: string; serialOrId: string; behaviour: unknown }[] = [];

  tenant(id: string): (SimTenantView & { devices: FixtureDevice[] }) | undefined {
    return this.byId.get(id);
  }

  tenants(): SimTenantView[] {
    return [...this.byId.values()];
  }

  createTenant(spec: {
    id: string;
    displayName?: string;
    apps: SimAppRegistration[];
    deviceCount: number;
  }): SimTenantView {
    if (!spec.id) throw new Error('Invalid tenant spec: id is required');
    const tenant = {
      id: spec.id,
      displayName: spec.displayName,
      apps: spec.apps,
      devices: fixtureDevices(spec.deviceCount),
    };
    this.byId.set(spec.id, tenant);
    return tenant;
  }

  setDeviceBehaviour(tenantId: string, serialOrId: string, behaviour: unknown): void {
    this.behaviours.push({ tenantId, serialOrId, behaviour });
  }
}

const readDevices = [
  'DeviceManagementManagedDevices.Read.All',
  'DeviceManagementManagedDevices.ReadWrite.All',
];

export function fixtureRoutes(model: FixtureModel): SimRoute[] {
  const devicesOf = (tenantId: string): FixtureDevice[] => model.tenant(tenantId)?.devices ?? [];
  const protection = (device: FixtureDevice): unknown => ({
    realTimeProtectionEnabled: true,
    signatureUpdateOverdue: device.isEncrypted === false,
  });
  return [
    {
      method: 'GET',
      surfaces: ['graph-v1.0', 'graph-beta'],
      pattern: '/deviceManagement/managedDevices',
      write: false,
      permissions: readDevices,
      handler: (request) =>
        odataList(request, devicesOf(request.tenantId), {
          maxTop: 1000,
          properties: deviceProperties,
          filterable: [
            'deviceName',
            'complianceState',
            'isEncrypted',
            'lastSyncDateTime',
            'osVersion',
            'userPrincipalName',
            'hardwareInformation',
            'assignedLicenses',
          ],
          entityType: 'microsoft.graph.managedDevice',
          expand: request.surface === 'graph-beta' ? { windowsProtectionState: protection } : {},
          context: `${request.baseUrl}/$metadata#deviceManagement/managedDevices`,
        }),
    },
    {
      method: 'GET',
      surfaces: ['graph-v1.0', 'graph-beta'],
      pattern: '/deviceManagement/managedDevices/{id}',
      write: false,
      permissions: readDevices,
      handler: (request) => {
        const device = devicesOf(request.tenantId).find((candidate) => candidate.id === request.params.id);
        return device
          ? odataEntity(request, device, { properties: deviceProperties })
          : graphError(404, 'ResourceNotFound', `Resource '${request.params.id}' does not exist.`);
      },
    },
    {
      method: 'POST',
      surfaces: ['graph-v1.0', 'graph-beta'],
      pattern: '/deviceManagement/managedDevices/{id}/syncDevice',
      write: true,
      permissions: ['DeviceManagementManagedDevices.PrivilegedOperations.All'],
      handler: () => ({ status: 204 }),
    },
    {
      method: 'GET',
      surfaces: ['defender'],
      pattern: '/machines',
      write: false,
      permissions: ['Machine.Read.All', 'Machine.ReadWrite.All'],
      handler: (request) =>
        odataList(request, devicesOf(request.tenantId), {
          view: (device) => ({
            id: device.id.replace(/-/g, ''),
            computerDnsName: device.deviceName,
            healthStatus: device.isEncrypted ? 'Active' : 'Inactive',
          }),
        }),
    },
    {
      method: 'GET',
      surfaces: ['defender'],
      pattern: '/deviceavinfo',
      write: false,
      permissions: ['Machine.Read.All'],
      handler: (request) =>
        odataList(
          request,
          devicesOf(request.tenantId).map((device) => ({ id: device.id, avIsSignatureUpToDate: true })),
        ),
    },
  ];
}

export interface FixtureSim {
  sim: SimServer;
  model: FixtureModel;
  clock: VirtualClock;
  http: SimHttp;
  ca: string;
  /** An app token from the token endpoint, as a client-secret app would get it. */
  token(app?: SimAppRegistration, tenantId?: string, scope?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startFixtureSim(
  options: { devices?: number; throttling?: ThrottleSettingsPatch } = {},
): Promise<FixtureSim> {
  const cert = await testCertificate();
  const clock = new VirtualClock();
  const model = new FixtureModel();
  model.createTenant({
    id: tenantA,
    displayName: 'Contoso',
    apps: [readerApp, writerApp, bareApp],
    deviceCount: options.devices ?? 250,
  });
  model.createTenant({ id: tenantB, displayName: 'Fabrikam', apps: [readerApp], deviceCount: 3 });
  const sim = await startSimServer({
    cert,
    clock,
    model,
    routes: fixtureRoutes(model),
    throttling: options.throttling,
  });
  const http = new SimHttp(cert.cert);
  return {
    sim,
    model,
    clock,
    http,
    ca: cert.cert,
    token: async (app = readerApp, tenantId = tenantA, scope = 'https://graph.microsoft.com/.default') => {
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: app.clientId,
        client_secret: app.clientSecret ?? '',
        scope,
      });
      const answer = await http.send('POST', `${sim.url}/${tenantId}/oauth2/v2.0/token`, { form });
      if (answer.status !== 200)
        throw new Error(`token request failed: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body.access_token as string;
    },
    close: async () => {
      http.close();
      await sim.stop();
      cert.dispose();
    },
  };
}
