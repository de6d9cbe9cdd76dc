/**
 * Intune report export jobs (`deviceManagement/reports/exportJobs`): a job moves notStarted → inProgress →
 * completed on the scenario clock and then offers a download of the report as of its completion. The real
 * service packs the CSV into a ZIP on Azure Storage; the simulator serves the CSV (or JSON) itself, unzipped.
 */
import { randomBytes } from 'node:crypto';
import { evaluateFilter, filterPaths, parseFilter } from '../odata-filter';
import { type MobileApp } from './apps';
import { type SimDevice } from './device';
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
}

interface ReportDefinition {
  columns: readonly string[];
  filterable: readonly string[];
  /** A column the filter must name, as some Intune reports require. */
  requiredFilter?: string;
  rows(source: ReportSource, now: number, filter: (row: Row) => boolean): Row[];
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

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
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
  ) {}

  get id(): string {
    return this.ids.guid(this.ordinal);
  }

  get expiresAt(): number {
    return this.completesAt + 60 * 60_000;
  }

  status(now: number): 'notStarted' | 'inProgress' | 'completed' {
    return now >= this.completesAt ? 'completed' : now >= this.startsAt ? 'inProgress' : 'notStarted';
  }

  /** The report as it stood when the job completed, rendered once. */
  content(source: ReportSource): string {
    this.rendered ??= render(this.request, source, this.completesAt);
    return this.rendered;
  }
}

function render(request: ExportRequest, source: ReportSource, at: number): string {
  const definition = reportDefinitions[request.reportName] as ReportDefinition;
  const parsed = request.filter.trim() === '' ? undefined : parseFilter(request.filter);
  const filter = (row: Row): boolean => parsed === undefined || evaluateFilter(parsed, row);
  const columns = request.select.length > 0 ? request.select : definition.columns;
  const rows = definition
    .rows(source, at, filter)
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

  constructor(
    private readonly ids: IdSpace,
    private readonly delays: LifecycleDelays,
  ) {}

  /** Validates the report, its columns and filter up front, as the service does on create. */
  create(request: ExportRequest, now: number, origin: string): ExportJob {
    const definition = reportDefinitions[request.reportName];
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
    const job = new ExportJob(
      this.ids,
      ordinal,
      request,
      now,
      now + this.delays.exportStartMs,
      now + this.delays.exportCompleteMs,
      token,
      origin,
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
