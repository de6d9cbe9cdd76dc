/**
 * Where each telemetry source comes from and how its rows become records: the Graph or Defender collection (read in
 * pages of the largest size the service allows) or the Intune report (an export job with its columns always named),
 * the row's key, the device it belongs to, and the fields left out of the change hash because they move on every
 * check-in (timestamps, signature builds): without that, every pull would rewrite every device. Those fields are
 * still stored, as of the record's last change, and the raw snapshot in Blob has them for every run.
 */
import { type TelemetrySource } from './contract';

export type Row = Record<string, unknown>;

interface SourceShape {
  /** The record's key within the tenant and source. */
  key(row: Row): string;
  /** Intune managed device id, when the row has one. */
  deviceId(row: Row): string | undefined;
  /** Entra device id, when the row has one (what Defender knows a device by). */
  aadDeviceId?(row: Row): string | undefined;
  /** Fields left out of the change hash. */
  volatile: readonly string[];
  /** When the device last reported, for the `notReporting` verdict (7 days without a report). */
  lastReport?(row: Row): string | undefined;
}

export interface PageSourceDefinition extends SourceShape {
  kind: 'pages';
  service: 'graph' | 'defender';
  path: string;
}

export interface ExportSourceDefinition extends SourceShape {
  kind: 'export';
  reportName: string;
  select: readonly string[];
  /** Reports that need a `PolicyId eq` filter run one job per update ring policy. */
  perRingPolicy?: boolean;
}

export type SourceDefinition = PageSourceDefinition | ExportSourceDefinition;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const column =
  (name: string) =>
  (row: Row): string | undefined =>
    text(row[name]);

const managedDeviceSelect = [
  'id',
  'deviceName',
  'azureADDeviceId',
  'serialNumber',
  'userId',
  'userPrincipalName',
  'usersLoggedOn',
  'operatingSystem',
  'osVersion',
  'lastSyncDateTime',
  'enrolledDateTime',
  'complianceState',
  'isEncrypted',
  'managedDeviceOwnerType',
  'model',
  'manufacturer',
];

export const sourceDefinitions: Record<TelemetrySource, SourceDefinition> = {
  inventory: {
    kind: 'pages',
    service: 'graph',
    // usersLoggedOn is beta-only.
    path: `/beta/deviceManagement/managedDevices?$select=${managedDeviceSelect.join(',')}&$top=1000`,
    key: (row) => String(row.id),
    deviceId: column('id'),
    aadDeviceId: column('azureADDeviceId'),
    volatile: ['lastSyncDateTime', 'usersLoggedOn'],
    lastReport: column('lastSyncDateTime'),
  },
  users: {
    kind: 'pages',
    service: 'graph',
    path: '/v1.0/users?$select=id,userPrincipalName,displayName,accountEnabled,usageLocation,assignedLicenses&$top=999',
    key: (row) => String(row.id),
    deviceId: () => undefined,
    volatile: [],
  },
  defenderMachines: {
    kind: 'pages',
    service: 'defender',
    path: '/api/machines?$top=10000',
    key: (row) => String(row.id),
    deviceId: () => undefined,
    aadDeviceId: column('aadDeviceId'),
    volatile: ['lastSeen', 'lastIpAddress', 'lastExternalIpAddress', 'ipAddresses'],
    lastReport: column('lastSeen'),
  },
  defenderAgents: {
    kind: 'export',
    reportName: 'DefenderAgents',
    select: [
      'DeviceId',
      'DeviceName',
      'DeviceState',
      'MalwareProtectionEnabled',
      'RealTimeProtectionEnabled',
      'NetworkInspectionSystemEnabled',
      'SignatureUpdateOverdue',
      'QuickScanOverdue',
      'FullScanOverdue',
      'RebootRequired',
      'EngineVersion',
      'SignatureVersion',
      'LastQuickScanDateTime',
      'LastReportedDateTime',
    ],
    key: (row) => String(row.DeviceId),
    deviceId: column('DeviceId'),
    volatile: ['SignatureVersion', 'LastQuickScanDateTime', 'LastReportedDateTime'],
    lastReport: column('LastReportedDateTime'),
  },
  qualityUpdates: {
    kind: 'export',
    reportName: 'QualityUpdateDeviceStatusByPolicy',
    perRingPolicy: true,
    select: [
      'PolicyId',
      'PolicyName',
      'DeviceId',
      'AADDeviceId',
      'DeviceName',
      'OSVersion',
      'CurrentDeviceUpdateStatus',
      'CurrentDeviceUpdateSubstatus',
      'LatestAlertMessage',
      'LastWUScanTimeUTC',
      'AggregateState',
    ],
    key: (row) => `${String(row.PolicyId)}:${String(row.DeviceId)}`,
    deviceId: column('DeviceId'),
    aadDeviceId: column('AADDeviceId'),
    volatile: ['LastWUScanTimeUTC'],
  },
  featureUpdates: {
    kind: 'export',
    reportName: 'FeatureUpdateDeviceState',
    perRingPolicy: true,
    select: [
      'PolicyId',
      'PolicyName',
      'FeatureUpdateVersion',
      'DeviceId',
      'AADDeviceId',
      'DeviceName',
      'CurrentDeviceUpdateStatus',
      'CurrentDeviceUpdateSubstatus',
      'LatestAlertMessage',
      'LastWUScanTimeUTC',
      'Build',
      'AggregateState',
    ],
    key: (row) => `${String(row.PolicyId)}:${String(row.DeviceId)}`,
    deviceId: column('DeviceId'),
    aadDeviceId: column('AADDeviceId'),
    volatile: ['LastWUScanTimeUTC'],
  },
  appInventory: {
    kind: 'export',
    reportName: 'AppInvRawData',
    select: [
      'ApplicationKey',
      'ApplicationName',
      'ApplicationPublisher',
      'ApplicationVersion',
      'DeviceId',
      'DeviceName',
      'OSVersion',
      'UserId',
    ],
    key: (row) => `${String(row.DeviceId)}:${String(row.ApplicationKey)}`,
    deviceId: column('DeviceId'),
    volatile: [],
  },
  profileStatus: {
    kind: 'export',
    reportName: 'DeviceStatusesByConfigurationProfile',
    select: [
      'PolicyId',
      'PolicyName',
      'PolicyBaseTypeName',
      'DeviceId',
      'DeviceName',
      'UserId',
      'PolicyStatus',
      'PolicyStatus_loc',
      'LastModifiedDateTime',
    ],
    key: (row) => `${String(row.PolicyId)}:${String(row.DeviceId)}`,
    deviceId: column('DeviceId'),
    volatile: ['LastModifiedDateTime'],
  },
  compliance: {
    kind: 'export',
    reportName: 'DeviceCompliance',
    select: [
      'DeviceId',
      'AadDeviceId',
      'DeviceName',
      'OSVersion',
      'LastContact',
      'UserId',
      'UPN',
      'ComplianceState',
      'InGracePeriodUntil',
    ],
    key: (row) => String(row.DeviceId),
    deviceId: column('DeviceId'),
    aadDeviceId: column('AadDeviceId'),
    volatile: ['LastContact'],
    lastReport: column('LastContact'),
  },
  devicePerformance: {
    kind: 'pages',
    service: 'graph',
    path: '/beta/deviceManagement/userExperienceAnalyticsDevicePerformance?$top=1000',
    key: (row) => String(row.id),
    deviceId: column('id'),
    volatile: [],
  },
  deviceScores: {
    kind: 'pages',
    service: 'graph',
    path: '/beta/deviceManagement/userExperienceAnalyticsDeviceScores?$top=1000',
    key: (row) => String(row.id),
    deviceId: column('id'),
    volatile: [],
  },
  appHealth: {
    kind: 'pages',
    service: 'graph',
    path: '/beta/deviceManagement/userExperienceAnalyticsAppHealthApplicationPerformance?$top=1000',
    key: (row) => String(row.id),
    deviceId: () => undefined,
    volatile: ['appUsageDuration'],
  },
};

/**
 * Device configuration profiles; the Windows Update for Business ones (update rings) are what the per-policy reports
 * are filtered by. Intune lists them in one or two pages; the type is told apart here (`@odata.type` comes with
 * every item, `$select` or not).
 */
export const configurationProfilesPath = '/beta/deviceManagement/deviceConfigurations?$select=id,displayName';
export const ringPolicyType = '#microsoft.graph.windowsUpdateForBusinessConfiguration';
