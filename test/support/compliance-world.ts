import { type ServiceBusReceivedMessage } from '@azure/service-bus';
import { type SimDevice, type SimTenant } from '@mds/tenant-sim';
import { composition } from '../../shared/composition';
import { type SweepOutcome, sweepInstanceId } from '../../shared/compliance/contract';
import { startSweep } from '../../shared/compliance/start-sweep';
import { type DeviceResults } from '../../shared/compliance/store';
import { type TenantRecord } from '../../shared/domain/tenant';
import { tenantLayout } from '../../shared/domain/tenant-layout';
import { ringForDevice } from '../../shared/domain/update-ring';
import { operationsAlertsSubscriptionNames, topicNames } from '../../shared/platform/declarations';
import { desiredComplianceScript, desiredPolicies } from '../../shared/provisioning/desired-state';
import { type TelemetrySource, telemetrySources } from '../../shared/telemetry/contract';
import { type TelemetryRecord } from '../../shared/telemetry/store';
import { type OnboardingWorld, receiveEvents } from './onboarding-world';

/**
 * Compliance sweeps on the local platform: a simulated tenant made healthy on every rule (or left as generated),
 * telemetry's current state seeded for the sources only telemetry has, and sweeps started at windows a test picks.
 */

export const hour = 3_600_000;

export function simTenant(world: OnboardingWorld, tenantId: string): SimTenant {
  const tenant = world.sim.world.tenant(tenantId);
  if (!tenant) throw new Error(`no simulated tenant ${tenantId}`);
  return tenant;
}

export function managedDevices(world: OnboardingWorld, tenantId: string): SimDevice[] {
  return simTenant(world, tenantId).managedDevices(world.clock.now());
}

/**
 * What provisioning leaves in a tenant for the sweep to read: the ring groups with every device in the ring its hash
 * gives, the known-folder compliance script, and a standard-user Autopilot profile for all devices.
 */
export function provisionForSweeps(world: OnboardingWorld, tenant: TenantRecord): void {
  const sim = simTenant(world, tenant.id);
  const now = world.clock.now();
  for (const device of sim.managedDevices(now))
    world.sim.world.setPosture(tenant.id, device.serialNumber, {
      joinGroups: [
        tenantLayout.ringGroups[ringForDevice(tenant.id, device.serialNumber, tenant.updateRings)],
      ],
    });
  sim.identity.complianceScripts.create(
    {
      displayName: desiredComplianceScript.displayName,
      ...desiredComplianceScript.settings,
    },
    now,
  );
  const profile = sim.autopilot.createProfile(
    {
      '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
      displayName: tenantLayout.standardUserProfile,
      description: null,
      locale: 'en-US',
      deviceNameTemplate: null,
      deviceType: 'windowsPc',
      preprovisioningAllowed: false,
      hardwareHashExtractionEnabled: true,
      roleScopeTagIds: [],
      oobe: {
        hidePrivacySettings: true,
        hideEULA: true,
        userType: 'standard',
        deviceUsageType: 'singleUser',
        skipKeyboardSelectionPage: true,
        hideEscapeLink: true,
      },
    },
    now - hour,
  );
  sim.autopilot.addAssignment(
    profile,
    { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' },
    now - hour,
  );
}

export interface TelemetryRows {
  qualityUpdate?: { policyName: string; aggregateState: string };
  apps?: { name: string; publisher: string; version: string }[];
  accountProtection?: string;
  blueScreens?: number;
}

export const accountProtectionPolicy = desiredPolicies.find(
  (policy) => policy.key === 'policy:account-protection',
)!.displayName;

export const healthyRows: Required<TelemetryRows> = {
  qualityUpdate: { policyName: 'Managed Desktop - Update ring Broad', aggregateState: 'Success' },
  apps: [
    {
      name: 'Microsoft 365 Apps for enterprise - en-us',
      publisher: 'Microsoft Corporation',
      version: '16.0.19530.20138',
    },
    { name: 'Microsoft Edge', publisher: 'Microsoft Corporation', version: '131.0.2903.70' },
  ],
  accountProtection: 'Succeeded',
  blueScreens: 0,
};

/** Telemetry's current state of the sources the sweep takes only from telemetry, as its pulls store it. */
export async function seedTelemetry(
  tenantId: string,
  devices: readonly SimDevice[],
  rowsOf: (device: SimDevice) => TelemetryRows,
  asOf: string,
): Promise<void> {
  const store = composition().telemetry.store;
  const bySource = new Map<TelemetrySource, TelemetryRecord[]>();
  const add = (
    source: TelemetrySource,
    key: string,
    device: SimDevice,
    data: Record<string, unknown>,
  ): void => {
    const list = bySource.get(source) ?? [];
    list.push({
      id: `${source}:${key}`,
      tenantId,
      type: 'record',
      source,
      key,
      deviceId: device.managedDeviceId,
      data,
      hash: `seeded-${list.length}`,
      asOf,
      residency: 'US',
      runId: 'seeded',
    });
    bySource.set(source, list);
  };
  for (const device of devices) {
    const rows = { ...healthyRows, ...rowsOf(device) };
    add('qualityUpdates', `ring:${device.managedDeviceId}`, device, {
      PolicyId: 'ring',
      PolicyName: rows.qualityUpdate.policyName,
      DeviceId: device.managedDeviceId,
      AggregateState: rows.qualityUpdate.aggregateState,
    });
    rows.apps.forEach((app, index) =>
      add('appInventory', `${device.managedDeviceId}:app-${index}`, device, {
        ApplicationKey: `app-${index}`,
        ApplicationName: app.name,
        ApplicationPublisher: app.publisher,
        ApplicationVersion: app.version,
        DeviceId: device.managedDeviceId,
      }),
    );
    add('profileStatus', `account-protection:${device.managedDeviceId}`, device, {
      PolicyId: 'account-protection',
      PolicyName: accountProtectionPolicy,
      DeviceId: device.managedDeviceId,
      PolicyStatus_loc: rows.accountProtection,
    });
    add('devicePerformance', device.managedDeviceId, device, {
      id: device.managedDeviceId,
      blueScreenCount: rows.blueScreens,
    });
  }
  const now = new Date().toISOString();
  for (const [source, records] of bySource) {
    await store.upsertAll(tenantId, records);
    await store.putStatus({
      id: `status:${source}`,
      tenantId,
      type: 'status',
      source,
      cadence: telemetrySources[source].cadence,
      lastRunId: 'seeded',
      lastAttemptAt: now,
      lastSuccessAt: now,
      asOf,
      consecutiveFailures: 0,
      failures: 0,
      freshness: 'fresh',
      residency: 'US',
    });
  }
}

/** Starts the sweep of the window covering `at` and waits for it; returns its outcome. */
export async function runSweep(world: OnboardingWorld, tenantId: string, at: number): Promise<SweepOutcome> {
  const started = await startSweep(world.host.durable, tenantId, at, 'schedule');
  expect(started.state).toBe('started');
  const done = await world.host.waitForInstance(started.sweepId, { timeoutMs: 300_000 });
  if (done.runtimeStatus !== 'Completed')
    throw new Error(`sweep ${started.sweepId} ended ${done.runtimeStatus}: ${JSON.stringify(done.output)}`);
  return done.output as SweepOutcome;
}

export function sweepIdAt(tenantId: string, at: number): string {
  return sweepInstanceId(tenantId, at);
}

/** Every device's stored results, by serial number. */
export async function storedResults(
  tenantId: string,
  devices: readonly SimDevice[],
): Promise<Map<string, DeviceResults>> {
  const docs = await composition().compliance.store.devices(
    tenantId,
    devices.map((device) => device.managedDeviceId),
  );
  return new Map([...docs.values()].map((doc) => [doc.serialNumber, doc]));
}

/** The `tenant.alert` messages about a tenant on `operations-alerts` (up to 10 s for `count`). */
export async function receiveAlerts(
  world: OnboardingWorld,
  tenantId: string,
  count: number,
  waitMs = 10_000,
): Promise<ServiceBusReceivedMessage[]> {
  const receiver = world.serviceBus.createReceiver(
    topicNames.operationsAlerts,
    operationsAlertsSubscriptionNames.allAlerts,
    { receiveMode: 'receiveAndDelete' },
  );
  const mine: ServiceBusReceivedMessage[] = [];
  try {
    const deadline = Date.now() + waitMs;
    while (mine.length < count && Date.now() < deadline) {
      const batch = await receiver.receiveMessages(50, { maxWaitTimeInMs: 500 });
      mine.push(...batch.filter((m) => m.applicationProperties?.tenantId === tenantId));
    }
  } finally {
    await receiver.close();
  }
  return mine;
}

export { receiveEvents };
