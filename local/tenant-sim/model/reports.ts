/**
 * Intune report export jobs (`deviceManagement/reports/exportJobs`): a job moves notStarted → inProgress →
 * completed (or failed) on the scenario clock and then offers a download of the report as of its completion:
 * a ZIP holding one CSV or JSON file, behind a signed URL that expires (as the real service's SAS link to Azure
 * Storage does). Each read of a completed job hands out a freshly signed URL.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { evaluateFilter, filterPaths, parseFilter } from '../odata-filter';
import { type MobileApp } from './apps';
import { type SimDevice } from './device';
import { type IntunePolicy, type PolicyDeviceStatus } from './policies';
import { badRequest, notFound } from './errors';
import { type IdSpace } from './ids';
import { protectionFacts } from './protection';
import { type LifecycleDelays } from './spec';

type Cell = string | number | boolean | null;
type Row = Record<string, Cell>;

export interface ReportSource {
  managedDevices(now: number): readonly SimDevice[];
  complianceState(device: SimDevice, now: number): string;
  apps(): readonly MobileApp[];
  /** Device configuration profiles (update rings among them). */
  configurations(): readonly IntunePolicy[];
  /** A device's status for a profile, undefined when the profile does not reach it. */
  configurationStatus(policy: IntunePolicy, device: SimDevice, now: number): PolicyDeviceStatus | undefined;
}

const wufbType = '#microsoft.graph.windowsUpdateForBusinessConfiguration';

/** `PolicyId eq '…'` in a filter: the reports that require it read only that policy's devices. */
function policyIdOf(filter: string): string | undefined {
  return /PolicyId\s+eq\s+'([^']+)'/i.exec(filter)?.[1];
}

interface ReportDefinition {
  columns: readonly string[];
  filterable: readonly string[];
  /** A column the filter must name, as some Intune reports require. */
  requiredFilter?: string;
  rows(source: ReportSource, now: number, filter: (row: Row) => boolean, filterText: string): Row[];
}

const iso = (time: number | null): string | null =>
  time === null || !Number.isFinite(time) ? null : new Date(time).toISOString();

function userColumns(device: SimDevice): Row {
  const user = device.primaryUser;
  return {
    UserId: user?.id ?? null,
    UPN: user?.userPrincipalName ?? null,
    UserEmail: user?.userPrincipalName ?? null,
    UserName: user?.displayName ?? null,
  };
}

function complianceRow(source: ReportSource, device: SimDevice, now: number): Row {
  return {
    DeviceId: device.managedDeviceId,
    IntuneDeviceId: device.managedDeviceId,
    AadDeviceId: device.azureADDeviceId,
    DeviceName: device.deviceName,
    DeviceType: 'Windows',
    OSDescription:
      device.release.platform === 'Windows11' ? 'Windows 11 Enterprise' : 'Windows 10 Enterprise',
    OSVersion: device.osVersion,
    OwnerType: 'Corporate',
    LastContact: iso(device.lastSyncAt(now)),
    InGracePeriodUntil: null,
    SerialNumber: device.serialNumber,
    ManagementAgents: 'MDM',
    PrimaryUser: device.primaryUser?.id ?? null,
    ...userColumns(device),
    ComplianceState: capitalise(source.complianceState(device, now)),
    OS: 'Windows',
  };
}

function defenderRow(device: SimDevice, now: number): Row {
  const facts = protectionFacts(device, now);
  return {
    DeviceId: device.managedDeviceId,
    DeviceName: device.deviceName,
    DeviceState: capitalise(facts.deviceState),
    PendingFullScan: false,
    PendingReboot: facts.rebootRequired,
    PendingManualSteps: false,
    PendingOfflineScan: false,
    CriticalFailure: false,
    MalwareProtectionEnabled: facts.malwareProtectionEnabled,
    RealTimeProtectionEnabled: facts.realTimeProtectionEnabled,
    NetworkInspectionSystemEnabled: facts.networkInspectionSystemEnabled,
    SignatureUpdateOverdue: facts.signatureUpdateOverdue,
    QuickScanOverdue: facts.quickScanOverdue,
    FullScanOverdue: facts.fullScanOverdue,
    RebootRequired: facts.rebootRequired,
    FullScanRequired: facts.fullScanRequired,
    EngineVersion: facts.engineVersion,
    SignatureVersion: facts.signatureVersion,
    AntiMalwareVersion: facts.antiMalwareVersion,
    LastQuickScanDateTime: iso(facts.lastQuickScanAt),
    LastFullScanDateTime: iso(facts.lastFullScanAt),
    LastQuickScanSignatureVersion: facts.lastQuickScanSignatureVersion,
    LastFullScanSignatureVersion: facts.lastFullScanSignatureVersion,
    LastReportedDateTime: iso(facts.lastReportedAt),
    ...userColumns(device),
  };
}

function isHealthyAgent(row: Row): boolean {
  return (
    row.RealTimeProtectionEnabled === true &&
    row.MalwareProtectionEnabled === true &&
    row.SignatureUpdateOverdue === false &&
    row.QuickScanOverdue === false
  );
}

const complianceColumns = [
  'DeviceId',
  'IntuneDeviceId',
  'AadDeviceId',
  'DeviceName',
  'DeviceType',
  'OSDescription',
  'OSVersion',
  'OwnerType',
  'LastContact',
  'InGracePeriodUntil',
  'SerialNumber',
  'ManagementAgents',
  'PrimaryUser',
  'UserId',
  'UPN',
  'UserEmail',
  'UserName',
  'ComplianceState',
  'OS',
] as const;
const defenderColumns = [
  'DeviceId',
  'DeviceName',
  'DeviceState',
  'PendingFullScan',
  'PendingReboot',
  'PendingManualSteps',
  'PendingOfflineScan',
  'CriticalFailure',
  'MalwareProtectionEnabled',
  'RealTimeProtectionEnabled',
  'NetworkInspectionSystemEnabled',
  'SignatureUpdateOverdue',
  'QuickScanOverdue',
  'FullScanOverdue',
  'RebootRequired',
  'FullScanRequired',
  'EngineVersion',
  'SignatureVersion',
  'AntiMalwareVersion',
  'LastQuickScanDateTime',
  'LastFullScanDateTime',
  'LastQuickScanSignatureVersion',
  'LastFullScanSignatureVersion',
  'LastReportedDateTime',
  'UPN',
  'UserEmail',
  'UserName',
] as const;
const defenderFilterable = [
  'DeviceState',
  'SignatureUpdateOverdue',
  'MalwareProtectionEnabled',
  'RealTimeProtectionEnabled',
  'NetworkInspectionSystemEnabled',
];

const devicesColumns = [
  'DeviceId',
  'DeviceName',
  'DeviceType',
  'OwnerType',
  'CreatedDate',
  'LastContact',
  'ManagementAgents',
  'ManagementState',
  'ReferenceId',
  'OSVersion',
  'SerialNumber',
  'Manufacturer',
  'Model',
  'OSDescription',
  'EncryptionStatusString',
  'ManagedDeviceName',
  'PrimaryUser',
  'UserId',
  'UPN',
  'UserEmail',
  'UserName',
  'CompliantState',
  'OS',
  'JoinType',
] as const;

const reportDefinitions: Record<string, ReportDefinition> = {
  DeviceCompliance: {
    columns: complianceColumns,
    filterable: ['ComplianceState', 'OS', 'OwnerType', 'DeviceType'],
    rows: (source, now, filter) =>
      source
        .managedDevices(now)
        .map((device) => complianceRow(source, device, now))
        .filter(filter),
  },
  DeviceNonCompliance: {
    columns: complianceColumns,
    filterable: ['OS', 'OwnerType', 'DeviceType', 'UserId', 'ComplianceState'],
    rows: (source, now, filter) =>
      source
        .managedDevices(now)
        .map((device) => complianceRow(source, device, now))
        .filter((row) => row.ComplianceState === 'Noncompliant' && filter(row)),
  },
  Devices: {
    columns: devicesColumns,
    filterable: [
      'OwnerType',
      'DeviceType',
      'ManagementAgents',
      'ManagementState',
      'CompliantState',
      'LastContact',
      'CreatedDate',
    ],
    rows: (source, now, filter) =>
      source
        .managedDevices(now)
        .map(
          (device): Row => ({
            DeviceId: device.managedDeviceId,
            DeviceName: device.deviceName,
            DeviceType: 'Windows',
            OwnerType: 'Corporate',
            CreatedDate: iso(device.enrolledAt),
            LastContact: iso(device.lastSyncAt(now)),
            ManagementAgents: 'MDM',
            ManagementState: 'Managed',
            ReferenceId: device.azureADDeviceId,
            OSVersion: device.osVersion,
            SerialNumber: device.serialNumber,
            Manufacturer: device.hardware.manufacturer,
            Model: device.hardware.model,
            OSDescription:
              device.release.platform === 'Windows11' ? 'Windows 11 Enterprise' : 'Windows 10 Enterprise',
            EncryptionStatusString: device.isEncrypted(now) ? 'Encrypted' : 'Not encrypted',
            ManagedDeviceName: device.deviceName,
            PrimaryUser: device.primaryUser?.id ?? null,
            ...userColumns(device),
            CompliantState: capitalise(source.complianceState(device, now)),
            OS: 'Windows',
            JoinType: 'Azure AD joined',
          }),
        )
        .filter(filter),
  },
  DefenderAgents: {
    columns: defenderColumns,
    filterable: defenderFilterable,
    rows: (source, now, filter) =>
      source
        .managedDevices(now)
        .map((device) => defenderRow(device, now))
        .filter(filter),
  },
  UnhealthyDefenderAgents: {
    columns: defenderColumns,
    filterable: defenderFilterable,
    rows: (source, now, filter) =>
      source
        .managedDevices(now)
        .map((device) => defenderRow(device, now))
        .filter((row) => !isHealthyAgent(row) && filter(row)),
  },
  DeviceInstallStatusByApp: {
    columns: [
      'DeviceName',
      'UserPrincipalName',
      'Platform',
      'AppVersion',
      'DeviceId',
      'AssignmentFilterIdsExist',
      'LastModifiedDateTime',
      'AppInstallState',
      'AppInstallState_loc',
      'AppInstallStateDetails',
      'AppInstallStateDetails_loc',
      'HexErrorCode',
    ],
    filterable: ['ApplicationId', 'AppInstallState', 'HexErrorCode'],
    requiredFilter: 'ApplicationId',
    rows: (source, now, filter) =>
      source.apps().flatMap((app) =>
        source.managedDevices(now).flatMap((device) => {
          const install = app.installOn(device, now);
          const state =
            install.state === 'installed'
              ? 'Installed'
              : install.state === 'failed'
                ? 'Failed'
                : 'Pending install';
          const row: Row = {
            ApplicationId: app.id,
            DeviceName: device.deviceName,
            UserPrincipalName: device.primaryUser?.userPrincipalName ?? null,
            Platform: 'Windows',
            AppVersion: app.definition.version,
            DeviceId: device.managedDeviceId,
            AssignmentFilterIdsExist: false,
            LastModifiedDateTime: iso(install.reportedAt),
            AppInstallState: install.state === 'installed' ? 1 : install.state === 'failed' ? 2 : 5,
            AppInstallState_loc: state,
            AppInstallStateDetails: 0,
            AppInstallStateDetails_loc: 'No additional details',
            HexErrorCode:
              install.errorCode === 0 ? '0' : `0x${(install.errorCode >>> 0).toString(16).toUpperCase()}`,
          };
          return filter(row) ? [row] : [];
        }),
      ),
  },
};

function policyStatusName(status: PolicyDeviceStatus): string {
  return status === 'nonCompliant'
    ? 'Not compliant'
    : status === 'compliant'
      ? 'Succeeded'
      : capitalise(status);
}

/** Rows per device for the ring policies the filter names (all of them when the filter names none). */
function ringRows(
  source: ReportSource,
  now: number,
  filter: string,
  row: (policy: IntunePolicy, device: SimDevice, status: PolicyDeviceStatus) => Row,
): Row[] {
  const wanted = policyIdOf(filter);
  const rings = source
    .configurations()
    .filter((policy) => policy.odataType === wufbType && (wanted === undefined || policy.id === wanted));
  const rows: Row[] = [];
  for (const policy of rings)
    for (const device of source.managedDevices(now)) {
      const status = source.configurationStatus(policy, device, now);
      if (status !== undefined) rows.push(row(policy, device, status));
    }
  return rows;
}

/** Discovered apps: every device reports Edge, Teams and the Microsoft 365 apps at versions tied to its OS build. */
const discoveredApps = [
  { key: 'msedge', name: 'Microsoft Edge', publisher: 'Microsoft Corporation', major: 131 },
  { key: 'teams', name: 'Microsoft Teams', publisher: 'Microsoft Corporation', major: 24 },
  { key: 'm365', name: 'Microsoft 365 Apps for enterprise', publisher: 'Microsoft Corporation', major: 16 },
] as const;

const extraReportDefinitions: Record<string, ReportDefinition> = {
  QualityUpdateDeviceStatusByPolicy: {
    columns: [
      'PolicyId',
      'PolicyName',
      'DeviceId',
      'AADDeviceId',
      'DeviceName',
      'UPN',
      'OSVersion',
      'CurrentDeviceUpdateStatus',
      'CurrentDeviceUpdateStatus_loc',
      'CurrentDeviceUpdateSubstatus',
      'LatestAlertMessage',
      'LastWUScanTimeUTC',
      'EventDateTimeUTC',
      'AggregateState',
      'OwnerType',
    ],
    filterable: ['PolicyId', 'AggregateState', 'OwnerType'],
    requiredFilter: 'PolicyId',
    rows: (source, now, filter, text) =>
      ringRows(source, now, text, (policy, device, status) => {
        const current = device.isOnLatestQualityUpdate();
        const failed = status === 'error';
        return {
          PolicyId: policy.id,
          PolicyName: policy.displayName,
          DeviceId: device.managedDeviceId,
          AADDeviceId: device.azureADDeviceId,
          DeviceName: device.deviceName,
          UPN: device.primaryUser?.userPrincipalName ?? null,
          OSVersion: device.osVersion,
          CurrentDeviceUpdateStatus: failed ? 4 : current ? 1 : 2,
          CurrentDeviceUpdateStatus_loc: failed ? 'Error' : current ? 'Installed' : 'Offering',
          CurrentDeviceUpdateSubstatus: failed ? 'InstallFailed' : current ? 'UpdateInstalled' : 'OfferReady',
          LatestAlertMessage: failed ? 'InstallFailed' : null,
          LastWUScanTimeUTC: iso(device.lastSyncAt(now)),
          EventDateTimeUTC: iso(device.lastSyncAt(now)),
          AggregateState: failed ? 'Error' : current ? 'Success' : 'In progress',
          OwnerType: 'Corporate',
        };
      }).filter(filter),
  },
  FeatureUpdateDeviceState: {
    columns: [
      'PolicyId',
      'PolicyName',
      'FeatureUpdateVersion',
      'DeviceId',
      'AADDeviceId',
      'DeviceName',
      'UPN',
      'CurrentDeviceUpdateStatus',
      'CurrentDeviceUpdateSubstatus',
      'LatestAlertMessage',
      'LastWUScanTimeUTC',
      'Build',
      'AggregateState',
      'OwnerType',
    ],
    filterable: ['PolicyId', 'AggregateState', 'OwnerType'],
    requiredFilter: 'PolicyId',
    rows: (source, now, filter, text) =>
      ringRows(source, now, text, (policy, device, status) => {
        const onTarget = device.release.platform === 'Windows11';
        return {
          PolicyId: policy.id,
          PolicyName: policy.displayName,
          FeatureUpdateVersion: 'Windows 11, version 23H2',
          DeviceId: device.managedDeviceId,
          AADDeviceId: device.azureADDeviceId,
          DeviceName: device.deviceName,
          UPN: device.primaryUser?.userPrincipalName ?? null,
          CurrentDeviceUpdateStatus: status === 'error' ? 'Error' : onTarget ? 'Installed' : 'Offering',
          CurrentDeviceUpdateSubstatus: onTarget ? 'UpdateInstalled' : 'OfferReady',
          LatestAlertMessage: status === 'error' ? 'SafeguardHold' : null,
          LastWUScanTimeUTC: iso(device.lastSyncAt(now)),
          Build: device.osVersion,
          AggregateState: status === 'error' ? 'Error' : onTarget ? 'Success' : 'In progress',
          OwnerType: 'Corporate',
        };
      }).filter(filter),
  },
  AppInvRawData: {
    columns: [
      'ApplicationKey',
      'ApplicationName',
      'ApplicationPublisher',
      'ApplicationShortVersion',
      'ApplicationVersion',
      'DeviceId',
      'DeviceName',
      'OSDescription',
      'OSVersion',
      'Platform',
      'UserId',
      'EmailAddress',
      'UserName',
    ],
    filterable: ['ApplicationName', 'ApplicationPublisher', 'Platform'],
    rows: (source, now, filter) =>
      source.managedDevices(now).flatMap((device) =>
        [
          ...discoveredApps.map((app) => ({
            key: app.key,
            name: app.name,
            publisher: app.publisher,
            version: `${app.major}.0.${Math.floor(device.osRevision / 10)}.${device.osRevision % 10}`,
          })),
          ...source
            .apps()
            .filter((app) => app.installOn(device, now).state === 'installed')
            .map((app) => ({
              key: app.id,
              name: app.definition.displayName,
              publisher: app.definition.publisher,
              version: app.definition.version,
            })),
        ]
          .map(
            (app): Row => ({
              ApplicationKey: app.key,
              ApplicationName: app.name,
              ApplicationPublisher: app.publisher,
              ApplicationShortVersion: app.version.split('.').slice(0, 2).join('.'),
              ApplicationVersion: app.version,
              DeviceId: device.managedDeviceId,
              DeviceName: device.deviceName,
              OSDescription:
                device.release.platform === 'Windows11' ? 'Windows 11 Enterprise' : 'Windows 10 Enterprise',
              OSVersion: device.osVersion,
              Platform: 'Windows',
              UserId: device.primaryUser?.id ?? null,
              EmailAddress: device.primaryUser?.userPrincipalName ?? null,
              UserName: device.primaryUser?.displayName ?? null,
            }),
          )
          .filter(filter),
      ),
  },
  DeviceStatusesByConfigurationProfile: {
    columns: [
      'PolicyId',
      'PolicyName',
      'PolicyBaseTypeName',
      'DeviceId',
      'DeviceName',
      'UPN',
      'UserId',
      'PolicyStatus',
      'PolicyStatus_loc',
      'LastModifiedDateTime',
      'OSVersion',
    ],
    filterable: ['PolicyId', 'PolicyStatus', 'PolicyBaseTypeName'],
    rows: (source, now, filter) => {
      const rows: Row[] = [];
      for (const policy of source.configurations())
        for (const device of source.managedDevices(now)) {
          const status = source.configurationStatus(policy, device, now);
          if (status === undefined) continue;
          const row: Row = {
            PolicyId: policy.id,
            PolicyName: policy.displayName,
            PolicyBaseTypeName: policy.odataType.replace('#microsoft.graph.', ''),
            DeviceId: device.managedDeviceId,
            DeviceName: device.deviceName,
            UPN: device.primaryUser?.userPrincipalName ?? null,
            UserId: device.primaryUser?.id ?? null,
            PolicyStatus: ['unknown', 'compliant', 'nonCompliant', 'error', 'conflict'].indexOf(status) + 1,
            PolicyStatus_loc: policyStatusName(status),
            LastModifiedDateTime: iso(Math.min(now, policy.modifiedAt)),
            OSVersion: device.osVersion,
          };
          if (filter(row)) rows.push(row);
        }
      return rows;
    },
  },
};

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function definitionOf(reportName: string): ReportDefinition | undefined {
  return Object.hasOwn(reportDefinitions, reportName)
    ? reportDefinitions[reportName]
    : Object.hasOwn(extraReportDefinitions, reportName)
      ? extraReportDefinitions[reportName]
      : undefined;
}

export interface ExportRequest {
  reportName: string;
  filter: string;
  select: readonly string[];
  format: 'csv' | 'json';
  localizationType: 'localizedValuesAsAdditionalColumn' | 'replaceLocalizableValues';
}

export class ExportJob {
  private rendered: string | undefined;

  constructor(
    private readonly ids: IdSpace,
    readonly ordinal: number,
    readonly request: ExportRequest,
    readonly requestedAt: number,
    readonly startsAt: number,
    readonly completesAt: number,
    /** Proof of the download URL, standing in for the SAS signature of the real blob URL. */
    readonly token: string,
    /** Scheme, host and port the download is served from (the simulator's own). */
    readonly origin: string,
    /** The job ends `failed` instead of `completed` (a fault scripted through `ExportJobs.failNext`). */
    readonly fails = false,
  ) {}

  get id(): string {
    return this.ids.guid(this.ordinal);
  }

  status(now: number): 'notStarted' | 'inProgress' | 'completed' | 'failed' {
    if (now >= this.completesAt) return this.fails ? 'failed' : 'completed';
    return now >= this.startsAt ? 'inProgress' : 'notStarted';
  }

  /** The signature of a download URL that expires at `expiresAt` (the SAS `sig` of the real blob URL). */
  signature(expiresAt: number): string {
    return createHmac('sha256', this.token).update(`${this.id}|${expiresAt}`).digest('base64url');
  }

  /** Whether `sig` is this job's signature for `expiresAt`, and that moment has not passed. */
  accepts(expiresAt: number, sig: string, now: number): boolean {
    const expected = Buffer.from(this.signature(expiresAt));
    const given = Buffer.from(sig);
    return now <= expiresAt && expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** The report as it stood when the job completed, rendered once. */
  content(source: ReportSource): string {
    this.rendered ??= render(this.request, source, this.completesAt);
    return this.rendered;
  }
}

function render(request: ExportRequest, source: ReportSource, at: number): string {
  const definition = definitionOf(request.reportName) as ReportDefinition;
  const parsed = request.filter.trim() === '' ? undefined : parseFilter(request.filter);
  const filter = (row: Row): boolean => parsed === undefined || evaluateFilter(parsed, row);
  const columns = request.select.length > 0 ? request.select : definition.columns;
  const rows = definition
    .rows(source, at, filter, request.filter)
    .map((row) => Object.fromEntries(columns.map((column) => [column, row[column] ?? null])));
  if (request.format === 'json') return JSON.stringify({ values: rows });
  const line = (cells: readonly Cell[]): string => cells.map(csvCell).join(',');
  return (
    [line(columns), ...rows.map((row) => line(columns.map((column) => row[column] ?? null)))].join('\r\n') +
    '\r\n'
  );
}

function csvCell(value: Cell): string {
  const text = value === null ? '' : typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export class ExportJobs {
  private readonly jobs: ExportJob[] = [];
  private failures: { reportName: string | undefined; left: number } = { reportName: undefined, left: 0 };
  private expiredDownloadsLeft = 0;

  /** The next `count` jobs created (of `reportName`, or of any report) end `failed`. */
  failNext(count: number, reportName?: string): void {
    this.failures = { reportName, left: count };
  }

  /** The next `count` downloads are refused as expired links, whatever their signed expiry. */
  expireNextDownloads(count: number): void {
    this.expiredDownloadsLeft = count;
  }

  /** Whether this download is one a scripted expiry refuses (and counts it). */
  takeExpiredDownload(): boolean {
    if (this.expiredDownloadsLeft <= 0) return false;
    this.expiredDownloadsLeft--;
    return true;
  }

  constructor(
    private readonly ids: IdSpace,
    private readonly delays: LifecycleDelays,
  ) {}

  /** Validates the report, its columns and filter up front, as the service does on create. */
  create(request: ExportRequest, now: number, origin: string): ExportJob {
    const definition = definitionOf(request.reportName);
    if (!definition)
      throw badRequest('BadRequest', `The report name '${request.reportName}' is not supported.`);
    const known = new Set([...definition.columns, ...definition.filterable]);
    for (const column of request.select) {
      if (!known.has(column))
        throw badRequest(
          'BadRequest',
          `The column '${column}' is not available in report '${request.reportName}'.`,
        );
    }
    if (request.filter.trim() !== '') {
      let names: string[];
      try {
        names = filterPaths(parseFilter(request.filter)).map((path) => path[0] as string);
      } catch (error) {
        throw badRequest('BadRequest', `Invalid filter '${request.filter}': ${(error as Error).message}`);
      }
      for (const name of names) {
        if (!definition.filterable.includes(name))
          throw badRequest(
            'BadRequest',
            `Filtering report '${request.reportName}' on '${name}' is not supported.`,
          );
      }
      if (definition.requiredFilter && !names.includes(definition.requiredFilter)) {
        throw badRequest(
          'BadRequest',
          `Report '${request.reportName}' requires a filter on '${definition.requiredFilter}'.`,
        );
      }
    } else if (definition.requiredFilter) {
      throw badRequest(
        'BadRequest',
        `Report '${request.reportName}' requires a filter on '${definition.requiredFilter}'.`,
      );
    }
    const ordinal = this.jobs.length;
    const token = randomBytes(18).toString('base64url');
    const fails =
      this.failures.left > 0 &&
      (this.failures.reportName === undefined || this.failures.reportName === request.reportName);
    if (fails) this.failures.left--;
    const job = new ExportJob(
      this.ids,
      ordinal,
      request,
      now,
      now + this.delays.exportStartMs,
      now + this.delays.exportCompleteMs,
      token,
      origin,
      fails,
    );
    this.jobs.push(job);
    return job;
  }

  get(id: string): ExportJob {
    const ordinal = this.ids.ordinalOf(id);
    const job = ordinal === undefined ? undefined : this.jobs[ordinal];
    if (!job) throw notFound('ResourceNotFound', `deviceManagementExportJob '${id}' was not found.`);
    return job;
  }

  all(): readonly ExportJob[] {
    return this.jobs;
  }
}
