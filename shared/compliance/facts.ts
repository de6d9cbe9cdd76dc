/**
 * A tenant's facts, gathered in bulk: every source is a few pages for the whole tenant (or telemetry's current state
 * when it is fresh), never a call per device. The smaller sources are indexed first; then the managed devices are
 * read a page at a time and each device's facts assembled and handed on, so memory holds the indexes and one page.
 */
import { tenantLayout } from '../domain/tenant-layout';
import { type UpdateRing, updateRings } from '../domain/tenant';
import { type ApiClient } from '../platform/graph/api-client';
import { odataString, segment } from '../platform/graph/odata';
import { desiredComplianceScript, desiredPolicies } from '../provisioning/desired-state';
import { type TelemetrySource } from '../telemetry/contract';
import { type TelemetryRecord } from '../telemetry/store';
import {
  type AccountProtectionFacts,
  type BitLockerKeyFacts,
  type DefenderFacts,
  type DefenderHealthStatus,
  type DeviceFacts,
  type IntuneComplianceState,
  type QualityUpdateFacts,
} from './baseline/contract';

type Row = Record<string, unknown>;

/** What the collector reads telemetry's current state through (telemetry's store and status, by source). */
export interface TelemetryState {
  /** Whether the source's last pull is fresh (telemetry's own freshness verdict). */
  isFresh(tenantId: string, source: TelemetrySource): Promise<boolean>;
  records(tenantId: string, source: TelemetrySource): AsyncIterable<TelemetryRecord[]>;
}

export interface CollectOptions {
  tenantId: string;
  graph: ApiClient;
  defender: ApiClient;
  telemetry: TelemetryState;
  /** The sweep's instant: the `asOf` of what is read live. */
  readAt: string;
}

export interface CollectStats {
  calls: Record<string, number>;
  fromTelemetry: TelemetrySource[];
}

const managedDeviceSelect = [
  'id',
  'serialNumber',
  'azureADDeviceId',
  'userId',
  'lastSyncDateTime',
  'complianceState',
  'isEncrypted',
  'osVersion',
  'hardwareInformation',
].join(',');

/** Beta: `windowsProtectionState` and `hardwareInformation` exist only there. */
export const managedDevicesPath = `/beta/deviceManagement/managedDevices?$select=${managedDeviceSelect}&$expand=windowsProtectionState&$top=1000`;
export const machinesPath = '/api/machines?$top=10000';
/** Ids, devices and volume types only: the key itself is returned only when one key is read with `$select=key`. */
export const recoveryKeysPath = '/v1.0/informationProtection/bitlocker/recoveryKeys';
export const registrationDetailsPath =
  '/v1.0/reports/authenticationMethods/userRegistrationDetails?$select=id,isAdmin,methodsRegistered&$top=999';
const scriptsPath = '/beta/deviceManagement/deviceComplianceScripts?$select=id,displayName';
const profilesPath = '/beta/deviceManagement/windowsAutopilotDeploymentProfiles';

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const lower = (value: string | undefined): string | undefined => value?.toLowerCase();

class Calls {
  readonly counts: Record<string, number> = {};
  constructor(private readonly prefix = '') {}

  async *pages(client: ApiClient, source: string, path: string): AsyncGenerator<Row[]> {
    for await (const page of client.pages<Row>(path)) {
      this.counts[this.prefix + source] = (this.counts[this.prefix + source] ?? 0) + 1;
      yield page;
    }
  }

  async all(client: ApiClient, source: string, path: string): Promise<Row[]> {
    const rows: Row[] = [];
    for await (const page of this.pages(client, source, path)) rows.push(...page);
    return rows;
  }
}

const volumeTypes = {
  '1': 'operatingSystemVolume',
  '2': 'fixedDataVolume',
  '3': 'removableDataVolume',
  '4': 'unknownFutureValue',
} as const;
type VolumeType = (typeof volumeTypes)[keyof typeof volumeTypes];

function volumeType(value: unknown): VolumeType {
  const name = String(value);
  if (name in volumeTypes) return volumeTypes[name as keyof typeof volumeTypes];
  return (Object.values(volumeTypes) as string[]).includes(name)
    ? (name as VolumeType)
    : 'unknownFutureValue';
}

async function recoveryKeys(
  calls: Calls,
  graph: ApiClient,
): Promise<Map<string, BitLockerKeyFacts['keys'][number][]>> {
  const byDevice = new Map<string, BitLockerKeyFacts['keys'][number][]>();
  for await (const page of calls.pages(graph, 'recoveryKeys', recoveryKeysPath))
    for (const key of page) {
      const deviceId = lower(text(key.deviceId));
      if (!deviceId) continue;
      const keys = byDevice.get(deviceId) ?? [];
      keys.push({
        id: String(key.id),
        volumeType: volumeType(key.volumeType),
        ...(text(key.createdDateTime) ? { createdDateTime: text(key.createdDateTime) } : {}),
      });
      byDevice.set(deviceId, keys);
    }
  return byDevice;
}

type Machine = NonNullable<DefenderFacts['machine']>;

function machineOf(row: Row): Machine {
  return {
    id: String(row.id),
    onboardingStatus: (text(row.onboardingStatus) ?? 'InsufficientInfo') as Machine['onboardingStatus'],
    healthStatus: (text(row.healthStatus) ?? 'Unknown') as DefenderHealthStatus,
    ...(text(row.lastSeen) ? { lastSeen: text(row.lastSeen) } : {}),
  };
}

/** Machines by Entra device id, from telemetry when fresh, else one or two Defender pages. */
async function machines(
  options: CollectOptions,
  calls: Calls,
  stats: CollectStats,
): Promise<{ byAadId: Map<string, Machine>; asOf: Map<string, string> }> {
  const byAadId = new Map<string, Machine>();
  const asOf = new Map<string, string>();
  const add = (row: Row, at: string): void => {
    const aad = lower(text(row.aadDeviceId));
    if (!aad) return;
    // A device re-onboarded has two machines; the one seen last speaks for it.
    const known = byAadId.get(aad);
    if (known?.lastSeen && text(row.lastSeen) && known.lastSeen > String(row.lastSeen)) return;
    byAadId.set(aad, machineOf(row));
    asOf.set(aad, at);
  };
  if (await options.telemetry.isFresh(options.tenantId, 'defenderMachines')) {
    stats.fromTelemetry.push('defenderMachines');
    for await (const page of options.telemetry.records(options.tenantId, 'defenderMachines'))
      for (const record of page) add(record.data, record.asOf);
  } else {
    for await (const page of calls.pages(options.defender, 'machines', machinesPath))
      for (const row of page) add(row, options.readAt);
  }
  return { byAadId, asOf };
}

/** The known-folder script's output per managed device; undefined when provisioning has not deployed the script. */
async function knownFolders(
  calls: Calls,
  graph: ApiClient,
): Promise<Map<string, { protectedNow?: boolean; at?: string }> | undefined> {
  const scripts = await calls.all(graph, 'complianceScripts', scriptsPath);
  const script = scripts.find((row) => row.displayName === desiredComplianceScript.displayName);
  if (!script) return undefined;
  const states = new Map<string, { protectedNow?: boolean; at?: string }>();
  const path = `/beta/deviceManagement/deviceComplianceScripts/${segment(String(script.id))}/deviceRunStates?$expand=managedDevice&$top=1000`;
  for await (const page of calls.pages(graph, 'scriptRunStates', path))
    for (const row of page) {
      const device = row.managedDevice as Row | null | undefined;
      const deviceId = text(device?.id);
      if (!deviceId) continue;
      let protectedNow: boolean | undefined;
      if (row.detectionState === 'success') {
        try {
          const output = JSON.parse(String(row.scriptOutput)) as { KfmProtected?: unknown };
          if (typeof output.KfmProtected === 'boolean') protectedNow = output.KfmProtected;
        } catch {
          // An output that is not the script's JSON says nothing.
        }
      }
      const at = text(row.lastStateUpdateDateTime);
      states.set(deviceId, {
        ...(protectedNow === undefined ? {} : { protectedNow }),
        ...(at ? { at } : {}),
      });
    }
  return states;
}

/** The Autopilot profile's user type per Entra device id (and serial number, upper case). */
async function autopilotProfiles(
  calls: Calls,
  graph: ApiClient,
): Promise<Map<string, 'administrator' | 'standard'>> {
  const byDevice = new Map<string, 'administrator' | 'standard'>();
  for (const profile of await calls.all(graph, 'autopilotProfiles', profilesPath)) {
    const oobe = (profile.outOfBoxExperienceSetting ?? profile.outOfBoxExperienceSettings) as Row | undefined;
    const userType =
      oobe?.userType === 'administrator'
        ? 'administrator'
        : oobe?.userType === 'standard'
          ? 'standard'
          : undefined;
    if (!userType) continue;
    const path = `${profilesPath}/${segment(String(profile.id))}/assignedDevices?$select=serialNumber,azureActiveDirectoryDeviceId&$top=1000`;
    for await (const page of calls.pages(graph, 'autopilotAssignedDevices', path))
      for (const device of page) {
        const aad = lower(text(device.azureActiveDirectoryDeviceId));
        if (aad) byDevice.set(aad, userType);
        const serial = text(device.serialNumber);
        if (serial) byDevice.set(serial.toUpperCase(), userType);
      }
  }
  return byDevice;
}

async function registrations(
  calls: Calls,
  graph: ApiClient,
): Promise<Map<string, { hello: boolean; admin: boolean }>> {
  const byUser = new Map<string, { hello: boolean; admin: boolean }>();
  for await (const page of calls.pages(graph, 'userRegistrationDetails', registrationDetailsPath))
    for (const row of page) {
      const methods = Array.isArray(row.methodsRegistered) ? (row.methodsRegistered as unknown[]) : [];
      byUser.set(String(row.id), {
        hello: methods.includes('windowsHelloForBusiness'),
        admin: row.isAdmin === true,
      });
    }
  return byUser;
}

/** Ring memberships per Entra device id; undefined when the tenant has none of the ring groups. */
async function ringMemberships(
  calls: Calls,
  graph: ApiClient,
): Promise<Map<string, UpdateRing[]> | undefined> {
  const byDevice = new Map<string, UpdateRing[]>();
  let found = 0;
  for (const ring of updateRings) {
    const groups = await calls.all(
      graph,
      'ringGroups',
      `/v1.0/groups?$filter=displayName eq ${odataString(tenantLayout.ringGroups[ring])}&$select=id`,
    );
    for (const group of groups) {
      found++;
      const path = `/v1.0/groups/${segment(String(group.id))}/members?$select=id,deviceId&$top=999`;
      for await (const page of calls.pages(graph, 'ringMembers', path))
        for (const member of page) {
          const aad = lower(text(member.deviceId));
          if (!aad) continue;
          const rings = byDevice.get(aad) ?? [];
          if (!rings.includes(ring)) rings.push(ring);
          byDevice.set(aad, rings);
        }
    }
  }
  return found > 0 ? byDevice : undefined;
}

/** One telemetry source's records by Intune device id, when the source is fresh; undefined otherwise. */
async function telemetryByDevice(
  options: CollectOptions,
  stats: CollectStats,
  source: TelemetrySource,
  keep: (record: TelemetryRecord) => boolean = () => true,
): Promise<Map<string, TelemetryRecord[]> | undefined> {
  if (!(await options.telemetry.isFresh(options.tenantId, source))) return undefined;
  stats.fromTelemetry.push(source);
  const byDevice = new Map<string, TelemetryRecord[]>();
  for await (const page of options.telemetry.records(options.tenantId, source))
    for (const record of page) {
      if (!record.deviceId || !keep(record)) continue;
      const list = byDevice.get(record.deviceId) ?? [];
      list.push(record);
      byDevice.set(record.deviceId, list);
    }
  return byDevice;
}

const accountProtectionPolicy = desiredPolicies.find(
  (policy) => policy.key === 'policy:account-protection',
)?.displayName;

function accountProtectionStatus(value: unknown): AccountProtectionFacts['status'] {
  const name = String(value).toLowerCase();
  if (name === 'succeeded' || name === 'compliant') return 'succeeded';
  if (name === 'error' || name === 'not compliant') return 'error';
  if (name === 'conflict') return 'conflict';
  if (name === 'pending') return 'pending';
  if (name === 'not applicable' || name === 'notapplicable') return 'notApplicable';
  return 'unknown';
}

function qualityStatus(row: Row): QualityUpdateFacts['status'] {
  const state = String(row.AggregateState).toLowerCase();
  if (state === 'success') return 'upToDate';
  if (state === 'in progress') return 'inProgress';
  if (state === 'error') return 'failed';
  if (state === 'pending') return 'pending';
  return 'unknown';
}

function ringOfPolicy(name: unknown): UpdateRing | undefined {
  const words = String(name).toLowerCase();
  return updateRings.find((ring) => new RegExp(`\\b${ring}\\b`).test(words));
}

const m365Apps = /microsoft 365 apps|office 365 proplus/i;
const dayMs = 24 * 3_600_000;

/**
 * The second Tuesday of the month on or before `at` (UTC): Microsoft's monthly security release. A device the
 * quality update report calls not up to date lacks at least that release; the ring's grace counts from it.
 */
export function latestPatchTuesday(at: number): string {
  const secondTuesday = (year: number, month: number): number => {
    const first = Date.UTC(year, month, 1);
    const toTuesday = (2 - new Date(first).getUTCDay() + 7) % 7;
    return first + (toTuesday + 7) * dayMs;
  };
  const date = new Date(at);
  const thisMonth = secondTuesday(date.getUTCFullYear(), date.getUTCMonth());
  const release = thisMonth <= at ? thisMonth : secondTuesday(date.getUTCFullYear(), date.getUTCMonth() - 1);
  return new Date(release).toISOString();
}

/**
 * Gathers every device's facts and passes them to `each`, a page of devices at a time. Sources a tenant lacks (no
 * known-folder script, no ring groups, telemetry that is not fresh) are left out of the facts: the rules reading them
 * answer `unknown`, which is no failure.
 */
export async function collectFacts(
  options: CollectOptions,
  each: (facts: DeviceFacts[]) => Promise<void>,
): Promise<CollectStats> {
  const calls = new Calls();
  const stats: CollectStats = { calls: calls.counts, fromTelemetry: [] };
  const { tenantId, graph, readAt } = options;
  const [keys, defender, kfm, profiles, hello, rings] = [
    await recoveryKeys(calls, graph),
    await machines(options, calls, stats),
    await knownFolders(calls, graph),
    await autopilotProfiles(calls, graph),
    await registrations(calls, graph),
    await ringMemberships(calls, graph),
  ];
  const quality = await telemetryByDevice(options, stats, 'qualityUpdates');
  const apps = await telemetryByDevice(options, stats, 'appInventory');
  const profileStatus = await telemetryByDevice(
    options,
    stats,
    'profileStatus',
    (record) => record.data.PolicyName === accountProtectionPolicy,
  );
  const performance = await telemetryByDevice(options, stats, 'devicePerformance');

  for await (const page of calls.pages(graph, 'managedDevices', managedDevicesPath)) {
    const facts: DeviceFacts[] = [];
    for (const row of page) {
      const deviceId = String(row.id);
      const aad = lower(text(row.azureADDeviceId));
      const serialNumber = text(row.serialNumber) ?? '';
      const hardware = row.hardwareInformation as Row | null | undefined;
      const tpmVersion = text(hardware?.tpmSpecificationVersion);
      const device: DeviceFacts = {
        tenantId,
        deviceId,
        ...(aad ? { aadDeviceId: aad } : {}),
        serialNumber,
        managedDevice: {
          asOf: readAt,
          ...(text(row.lastSyncDateTime) && !String(row.lastSyncDateTime).startsWith('0001-')
            ? { lastSyncDateTime: text(row.lastSyncDateTime) }
            : {}),
          complianceState: (text(row.complianceState) ?? 'unknown') as IntuneComplianceState,
          isEncrypted: row.isEncrypted === true,
          osVersion: text(row.osVersion) ?? '',
          // A list carries `hardwareInformation` with defaults (null) only: the TPM is then not reported.
          ...(hardware && typeof hardware.tpmSpecificationVersion === 'string'
            ? {
                tpm: {
                  present: tpmVersion !== undefined,
                  ...(tpmVersion ? { specificationVersion: tpmVersion } : {}),
                },
              }
            : {}),
        },
        bitLockerKeys: { asOf: readAt, keys: (aad ? keys.get(aad) : undefined) ?? [] },
      };
      const protection = row.windowsProtectionState as Row | null | undefined;
      if (protection)
        device.protectionState = {
          asOf: text(protection.lastReportedDateTime) ?? readAt,
          malwareProtectionEnabled: protection.malwareProtectionEnabled === true,
          realTimeProtectionEnabled: protection.realTimeProtectionEnabled === true,
          ...(typeof protection.tamperProtectionEnabled === 'boolean'
            ? { tamperProtectionEnabled: protection.tamperProtectionEnabled }
            : {}),
          signatureUpdateOverdue: protection.signatureUpdateOverdue === true,
          ...(text(protection.signatureVersion)
            ? { signatureVersion: text(protection.signatureVersion) }
            : {}),
          ...(text(protection.lastQuickScanDateTime)
            ? { lastQuickScanDateTime: text(protection.lastQuickScanDateTime) }
            : {}),
        };
      const machine = aad ? defender.byAadId.get(aad) : undefined;
      device.defender = {
        asOf: (aad ? defender.asOf.get(aad) : undefined) ?? readAt,
        ...(machine ? { machine } : {}),
      };
      if (kfm) {
        const state = kfm.get(deviceId);
        device.knownFolders = {
          asOf: state?.at ?? readAt,
          ...(state?.protectedNow === undefined
            ? {}
            : { desktop: state.protectedNow, documents: state.protectedNow, pictures: state.protectedNow }),
        };
      }
      const userType = (aad ? profiles.get(aad) : undefined) ?? profiles.get(serialNumber.toUpperCase());
      device.autopilotProfile = { asOf: readAt, ...(userType ? { userType } : {}) };
      const userId = text(row.userId);
      const registration = userId ? hello.get(userId) : undefined;
      if (registration) device.windowsHello = { asOf: readAt, provisioned: registration.hello };
      if (rings) device.ringMembership = { asOf: readAt, rings: (aad ? rings.get(aad) : undefined) ?? [] };
      if (quality) {
        const record = quality.get(deviceId)?.[0];
        const ring = ringOfPolicy(record?.data.PolicyName);
        if (record && ring) {
          const status = qualityStatus(record.data);
          device.qualityUpdate = {
            asOf: record.asOf,
            ring,
            status,
            ...(status === 'upToDate' ? {} : { missingReleaseDate: latestPatchTuesday(Date.parse(readAt)) }),
          };
        }
      }
      if (apps) {
        const records = apps.get(deviceId) ?? [];
        const asOf = records[0]?.asOf ?? readAt;
        device.appInventory = {
          asOf,
          apps: records.map((record) => ({
            name: text(record.data.ApplicationName) ?? '',
            ...(text(record.data.ApplicationPublisher)
              ? { publisher: text(record.data.ApplicationPublisher) }
              : {}),
            ...(text(record.data.ApplicationVersion)
              ? { version: text(record.data.ApplicationVersion) }
              : {}),
          })),
        };
        const office = records.find((record) => m365Apps.test(String(record.data.ApplicationName)));
        device.m365Apps = {
          asOf,
          installed: office !== undefined,
          ...(text(office?.data.ApplicationVersion)
            ? { version: text(office?.data.ApplicationVersion) }
            : {}),
        };
      }
      const status = profileStatus?.get(deviceId)?.[0];
      if (status)
        device.accountProtection = {
          asOf: status.asOf,
          status: accountProtectionStatus(status.data.PolicyStatus_loc),
        };
      const reliability = performance?.get(deviceId)?.[0];
      if (reliability && typeof reliability.data.blueScreenCount === 'number')
        device.reliability = { asOf: reliability.asOf, blueScreenCount: reliability.data.blueScreenCount };
      facts.push(device);
    }
    await each(facts);
  }
  return stats;
}
