import { type UpdateRing, type UpdateRingShares } from '../../domain/tenant';

/**
 * The security baseline as data, and the types of its pure evaluation. Nothing here does I/O: facts come in, verdicts,
 * fleet summaries, health changes and remediation plans come out. The sweep (shared/compliance/) gathers the facts
 * in bulk, stores the verdicts and sends what the plans say.
 *
 * Modules (all pure):
 * - `rules.ts`        `complianceBaseline: Baseline` — every rule, its facts, default mode and remediation;
 * - `settings.ts`     `tenantComplianceSettingsSchema` (zod), `parseTenantComplianceSettings`,
 *                     `defaultTenantComplianceSettings(tenantId, rings)`, `resolveCompliance`, `mergeThresholds`;
 * - `evaluate.ts`     `evaluateDevice: EvaluateDevice`, `evaluateFleet: EvaluateFleet`, `fleetAccumulator(...)`;
 * - `transitions.ts`  `healthTransition: HealthTransition`, `healthSnapshot(previous, verdict)`;
 * - `remediation.ts`  `planRemediations: PlanRemediations`, `remediationBudget(writeBudget)`;
 * - `describe.ts`     `describeBaseline(baseline)`: the baseline without its evaluations, for views and the README;
 * - `ids.ts`, `time.ts` stable ids (SHA-256) and fast ISO parsing.
 *
 * Times are ISO 8601 strings in facts and records, epoch milliseconds (`now`) in function arguments. `now` must be the
 * sweep window's instant (not the wall clock) so that replays compute the same verdicts and event ids.
 */

// ---------------------------------------------------------------------------------------------------------------
// Facts: what the sweep knows about one device, each source stamped with when it was true (`asOf`).
// A source that is absent was not read (unknown); a source that was read and found nothing says so in its shape
// (e.g. `defender.machine` undefined: the Defender listing was read and holds no machine for this device).
// ---------------------------------------------------------------------------------------------------------------

export const factSources = [
  'managedDevice',
  'protectionState',
  'bitLockerKeys',
  'defender',
  'qualityUpdate',
  'm365Apps',
  'knownFolders',
  'autopilotProfile',
  'accountProtection',
  'windowsHello',
  'appInventory',
  'ringMembership',
  'reliability',
] as const;
export type FactSource = (typeof factSources)[number];

interface Sourced {
  /** When the data was true (the export's completion, the page's read time, the device's own report time). */
  asOf: string;
}

/** Intune's `complianceState` of a managed device (Graph `complianceState` enum). */
export const intuneComplianceStates = [
  'unknown',
  'compliant',
  'noncompliant',
  'conflict',
  'error',
  'inGracePeriod',
  'configManager',
] as const;
export type IntuneComplianceState = (typeof intuneComplianceStates)[number];

/** `/deviceManagement/managedDevices` (beta, with hardware information). */
export interface ManagedDeviceFacts extends Sourced {
  /** Absent when Intune has never seen a sync: the device is `notReporting`. */
  lastSyncDateTime?: string;
  complianceState: IntuneComplianceState;
  isEncrypted: boolean;
  /** e.g. `10.0.22631.4602`; the build (third part) names the feature update. */
  osVersion: string;
  /** From `hardwareInformation` (tpmSpecificationVersion etc.); absent when Intune did not report it. */
  tpm?: { present: boolean; specificationVersion?: string };
}

/** `managedDevice.windowsProtectionState` (beta) or the `DefenderAgents` export, field names as Graph has them. */
export interface ProtectionStateFacts extends Sourced {
  /** Defender antivirus on. */
  malwareProtectionEnabled: boolean;
  realTimeProtectionEnabled: boolean;
  /** Absent when neither source reports it (the DefenderAgents export has no column for it). */
  tamperProtectionEnabled?: boolean;
  signatureUpdateOverdue: boolean;
  signatureVersion?: string;
  lastQuickScanDateTime?: string;
}

/** `/informationProtection/bitlocker/recoveryKeys` for the device: ids and volume types only, never key material. */
export interface BitLockerKeyFacts extends Sourced {
  keys: readonly {
    id: string;
    volumeType: 'operatingSystemVolume' | 'fixedDataVolume' | 'removableDataVolume' | 'unknownFutureValue';
    createdDateTime?: string;
  }[];
}

export const defenderHealthStatuses = [
  'Active',
  'Inactive',
  'ImpairedCommunication',
  'NoSensorData',
  'NoSensorDataImpairedCommunication',
  'Unknown',
] as const;
export type DefenderHealthStatus = (typeof defenderHealthStatuses)[number];

/** Defender for Endpoint `/api/machines`, matched to the device by `aadDeviceId`. */
export interface DefenderFacts extends Sourced {
  /** Undefined: the listing was read and holds no machine for this device. */
  machine?: {
    id: string;
    onboardingStatus: 'Onboarded' | 'CanBeOnboarded' | 'Unsupported' | 'InsufficientInfo';
    healthStatus: DefenderHealthStatus;
    lastSeen?: string;
  };
}

/** Telemetry's `QualityUpdateDeviceStatusByPolicy` row for the device's ring policy. */
export interface QualityUpdateFacts extends Sourced {
  /** The ring whose policy reported the row. */
  ring: UpdateRing;
  status: 'upToDate' | 'inProgress' | 'pending' | 'failed' | 'unknown';
  /**
   * Release date of the newest quality update the device lacks (absent when `upToDate`). The ring's deferral,
   * deadline and grace days count from it.
   */
  missingReleaseDate?: string;
}

export const m365Channels = ['current', 'monthlyEnterprise', 'semiAnnual', 'semiAnnualPreview'] as const;
export type M365Channel = (typeof m365Channels)[number];

/** Microsoft 365 Apps from telemetry's app inventory. */
export interface M365AppsFacts extends Sourced {
  installed: boolean;
  /** e.g. `16.0.17928.20156`. */
  version?: string;
  channel?: M365Channel;
}

/** Result of the custom compliance script provisioning deploys (Intune's per-setting script results). */
export interface KnownFolderFacts extends Sourced {
  desktop?: boolean;
  documents?: boolean;
  pictures?: boolean;
}

/** The Autopilot deployment profile assigned to the device (`outOfBoxExperienceSetting.userType`). */
export interface AutopilotProfileFacts extends Sourced {
  userType?: 'administrator' | 'standard';
}

/** Status of the account protection (local users and groups) policy on the device (profile status report). */
export interface AccountProtectionFacts extends Sourced {
  status: 'succeeded' | 'pending' | 'error' | 'conflict' | 'notApplicable' | 'unknown';
}

export interface WindowsHelloFacts extends Sourced {
  provisioned: boolean;
}

/** Telemetry's `AppInvRawData` rows for the device. */
export interface AppInventoryFacts extends Sourced {
  apps: readonly { name: string; publisher?: string; version?: string }[];
}

/** The device's memberships in the tenant's ring groups (Test/First/Fast/Broad). */
export interface RingMembershipFacts extends Sourced {
  rings: readonly UpdateRing[];
}

/** Endpoint analytics device performance: stop errors (blue screens) over its reporting window. */
export interface ReliabilityFacts extends Sourced {
  blueScreenCount: number;
}

export interface DeviceFacts {
  tenantId: string;
  /** Intune managed device id: the device's key in verdicts, records and events. */
  deviceId: string;
  aadDeviceId?: string;
  /** Places the device on its ring by hash (shared/domain/update-ring.ts). */
  serialNumber: string;
  managedDevice?: ManagedDeviceFacts;
  protectionState?: ProtectionStateFacts;
  bitLockerKeys?: BitLockerKeyFacts;
  defender?: DefenderFacts;
  qualityUpdate?: QualityUpdateFacts;
  m365Apps?: M365AppsFacts;
  knownFolders?: KnownFolderFacts;
  autopilotProfile?: AutopilotProfileFacts;
  accountProtection?: AccountProtectionFacts;
  windowsHello?: WindowsHelloFacts;
  appInventory?: AppInventoryFacts;
  ringMembership?: RingMembershipFacts;
  reliability?: ReliabilityFacts;
}

// ---------------------------------------------------------------------------------------------------------------
// The baseline: versioned rules as data.
// ---------------------------------------------------------------------------------------------------------------

export const ruleIds = [
  'MDS-AV-01',
  'MDS-AV-02',
  'MDS-AV-03',
  'MDS-AV-04',
  'MDS-AV-05',
  'MDS-ENC-01',
  'MDS-ENC-02',
  'MDS-MON-01',
  'MDS-MON-02',
  'MDS-MON-03',
  'MDS-UPD-01',
  'MDS-UPD-02',
  'MDS-UPD-03',
  'MDS-REC-01',
  'MDS-ID-01',
  'MDS-ID-02',
  'MDS-3P-01',
  'MDS-MGMT-01',
  'MDS-MGMT-02',
] as const;
export type RuleId = (typeof ruleIds)[number];

export const ruleOutcomes = ['pass', 'fail', 'notApplicable', 'unknown'] as const;
export type RuleOutcome = (typeof ruleOutcomes)[number];

export const ruleModes = ['remediate', 'alert', 'report'] as const;
export type RuleMode = (typeof ruleModes)[number];

export const severities = ['high', 'medium', 'low'] as const;
export type Severity = (typeof severities)[number];

export const remediationKinds = [
  'deviceSync',
  'signatureUpdate',
  'quickScan',
  'bitLockerKeyRotation',
  'ringReAdd',
  'defenderAvScan',
] as const;
export type RemediationKind = (typeof remediationKinds)[number];

/**
 * Which service (and so which throttling budget) a remediation writes to: Intune device actions, Entra group
 * membership (ring groups), or the Defender for Endpoint machine actions API.
 */
export type RemediationChannel = 'intune' | 'directory' | 'defender';
export const remediationChannel: Record<RemediationKind, RemediationChannel> = {
  deviceSync: 'intune',
  signatureUpdate: 'intune',
  quickScan: 'intune',
  bitLockerKeyRotation: 'intune',
  ringReAdd: 'directory',
  defenderAvScan: 'defender',
};

/**
 * What one remediation needs besides the device: the ring to re-add to and the ring groups to leave; the Defender
 * machine to scan.
 */
export type RemediationParams =
  | { kind: 'ringReAdd'; ring: UpdateRing; removeFrom: readonly UpdateRing[] }
  | { kind: 'defenderAvScan'; machineId: string; scanType: 'Quick' }
  | { kind: Exclude<RemediationKind, 'ringReAdd' | 'defenderAvScan'> };

export interface RuleEvaluation {
  outcome: RuleOutcome;
  /** Human-readable, no secrets and no user names: e.g. `signatures overdue (version 1.401.12.0)`. */
  detail: string;
  /** For `fail`, what to send when the rule is in `remediate` mode (absent: nothing applies to this device). */
  remediation?: RemediationParams;
  /** For MDS-3P-01: the products found. */
  products?: readonly string[];
}

export interface RingPolicy {
  qualityDeferralDays: number;
  qualityDeadlineDays: number;
  qualityGraceDays: number;
}

export interface WindowsRelease {
  /** OS build, the third part of `osVersion` (22631 = Windows 11 23H2). */
  build: number;
  name: string;
  /** Enterprise/Education end of servicing, ISO date. */
  endOfService: string;
}

export interface ThirdPartyProduct {
  /** Named in the finding. */
  name: string;
  /** Case-insensitive substring of the inventory's application name. */
  match: string;
  /** Case-insensitive substring of the publisher; when set, both must match. */
  publisher?: string;
  category: 'antivirus' | 'firewall' | 'endpointAgent';
}

/** Every tunable number of the baseline; a tenant may override any of them. */
export interface Thresholds {
  /** A source older than this (hours) is stale: rules reading it answer `unknown`. */
  staleAfterHours: Record<FactSource, number>;
  /** No Intune check-in for this long: `notReporting` (7 days). */
  notReportingAfterDays: number;
  quickScanMaxAgeDays: number;
  /** Defender `lastSeen` older than this: the sensor is not reporting. */
  sensorSilenceHours: number;
  rings: Record<UpdateRing, RingPolicy>;
  /** Minimum supported Microsoft 365 Apps version per channel; `current` is assumed when the channel is unknown. */
  m365AppsMinimumVersion: Record<M365Channel, string>;
  fleet: {
    /** Share of reporting devices with BitLocker (MDS-ENC-01 passing) below which the tenant is alerted. */
    bitLockerMinShare: number;
    /** Share of reporting devices with current definitions (MDS-AV-04 passing). */
    definitionsMinShare: number;
    /** Share of devices with reliability data free of stop errors. */
    stopErrorFreeMinShare: number;
  };
  remediation: {
    /** At most one attempt per device and rule within this many hours. */
    retryAfterHours: number;
    /** Attempts after which, still failing, `remediationFailed` is published. */
    maxAttempts: number;
  };
  writeBudget: WriteBudget;
}

/**
 * Intune allows 100 writes per 20 s per app and tenant; a sweep takes `intuneShare` of it and leaves the rest to
 * onboarding. The sweep's actions are spread over `windows` windows of 20 s (an action's `delayMs`).
 */
export interface WriteBudget {
  intuneWritesPerWindow: number;
  windowMs: number;
  intuneShare: number;
  windows: number;
  /** Ring group membership writes per sweep (Entra directory). */
  directoryWritesPerSweep: number;
  /** Defender machine actions per sweep (the API allows 100 calls a minute). */
  defenderActionsPerSweep: number;
}

export interface RuleContext {
  now: number;
  thresholds: Thresholds;
  /** Baseline products plus the tenant's extras. */
  thirdPartyProducts: readonly ThirdPartyProduct[];
  windowsReleases: readonly WindowsRelease[];
  /** The tenant's ring shares, for the ring a device's hash gives. */
  ringShares: UpdateRingShares;
  /** Application name → the products whose match it holds (mostly none): names repeat across a fleet. */
  productCache: Map<string, readonly ThirdPartyProduct[]>;
}

export interface Rule {
  id: RuleId;
  title: string;
  category:
    | 'antivirus'
    | 'encryption'
    | 'monitoring'
    | 'updates'
    | 'recovery'
    | 'identity'
    | 'thirdParty'
    | 'management';
  severity: Severity;
  /** The sources it reads: a missing or stale one makes the result `unknown` before `evaluate` runs. */
  reads: readonly FactSource[];
  defaultMode: RuleMode;
  /** The kinds `evaluate` may ask for; empty: nothing to send, the rule can only alert or report. */
  remediations: readonly RemediationKind[];
  /** Pure; called only when every source in `reads` is present and fresh. */
  evaluate(facts: DeviceFacts, context: RuleContext): RuleEvaluation;
}

export interface Baseline {
  /** Semantic version; stored with every result and part of event ids. */
  version: string;
  rules: readonly Rule[];
  defaults: Thresholds;
  thirdPartyProducts: readonly ThirdPartyProduct[];
  windowsReleases: readonly WindowsRelease[];
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type ThresholdOverrides = DeepPartial<Thresholds>;

/** A tenant's choices (stored per tenant, changeable by operators with Tenants.Manage). */
export interface TenantComplianceSettings {
  tenantId: string;
  updateRings: UpdateRingShares;
  /** Per rule; a rule not named runs in its default mode. `remediate` only for rules with remediations. */
  modes: Partial<Record<RuleId, RuleMode>>;
  thresholds: ThresholdOverrides;
  extraThirdPartyProducts: readonly ThirdPartyProduct[];
}

// ---------------------------------------------------------------------------------------------------------------
// Verdicts
// ---------------------------------------------------------------------------------------------------------------

export interface RuleResult {
  ruleId: RuleId;
  outcome: RuleOutcome;
  detail: string;
  mode: RuleMode;
  severity: Severity;
  remediation?: RemediationParams;
  products?: readonly string[];
}

/**
 * `notReporting`: no Intune check-in within `notReportingAfterDays` (or never); then `results` holds only MDS-MGMT-02,
 * other rules are not judged. Otherwise healthy when no rule fails (unknown is not a failure).
 */
export type DeviceHealthState = 'healthy' | 'unhealthy' | 'notReporting';

export interface DeviceVerdict {
  tenantId: string;
  deviceId: string;
  aadDeviceId?: string;
  baselineVersion: string;
  evaluatedAt: string;
  health: DeviceHealthState;
  results: readonly RuleResult[];
  /** Failing rule ids, in baseline order. */
  failing: readonly RuleId[];
  /** Our verdict unhealthy while Intune's complianceState is `compliant`: conditional access would let it in. */
  caMismatch: boolean;
  /** For fleet thresholds: undefined when there is no fresh reliability data. */
  stopErrorFree?: boolean;
}

export type EvaluateDevice = (
  facts: DeviceFacts,
  baseline: Baseline,
  settings: TenantComplianceSettings,
  now: number,
) => DeviceVerdict;

export interface RuleSummary {
  ruleId: RuleId;
  pass: number;
  fail: number;
  notApplicable: number;
  unknown: number;
  /** pass / (pass + fail); undefined when no device was judged. */
  passRate?: number;
}

export type FleetThresholdId = 'bitLocker' | 'definitions' | 'stopErrorFree';

/** A `tenant.alert` finding: a fleet share below its threshold. */
export interface FleetAlertFinding {
  /** Stable per tenant, threshold and UTC day: a tenant is alerted once a day per threshold. */
  alertId: string;
  kind: 'fleetThreshold';
  threshold: FleetThresholdId;
  share: number;
  minimum: number;
  /** Devices counted (the denominator). */
  devices: number;
}

export interface FleetSummary {
  tenantId: string;
  baselineVersion: string;
  evaluatedAt: string;
  devices: number;
  healthy: number;
  unhealthy: number;
  notReporting: number;
  caMismatches: number;
  rules: readonly RuleSummary[];
  shares: Record<FleetThresholdId, { share?: number; devices: number }>;
  alerts: readonly FleetAlertFinding[];
}

export type EvaluateFleet = (
  verdicts: Iterable<DeviceVerdict>,
  baseline: Baseline,
  settings: TenantComplianceSettings,
  now: number,
) => FleetSummary;

// ---------------------------------------------------------------------------------------------------------------
// Health transitions
// ---------------------------------------------------------------------------------------------------------------

/** What the store keeps per device between sweeps: the last reported health (notReporting never replaces it). */
export interface HealthSnapshot {
  health: 'healthy' | 'unhealthy';
  failing: readonly RuleId[];
  since: string;
}

export interface HealthChange {
  /** Stable: derived from tenant, device, transition, baseline version and the sweep's instant. */
  eventId: string;
  tenantId: string;
  deviceId: string;
  /** `unknown`: the device had no snapshot before (first sweep that saw it). */
  from: 'healthy' | 'unhealthy' | 'unknown';
  to: 'healthy' | 'unhealthy';
  /** Rules failing now (to unhealthy) or the rules that failed before (back to healthy). */
  rules: readonly RuleId[];
  baselineVersion: string;
  at: string;
}

/** A change, or undefined when nothing is to be published (same health, notReporting, first sweep healthy). */
export type HealthTransition = (
  previous: HealthSnapshot | undefined,
  next: DeviceVerdict,
) => HealthChange | undefined;

// ---------------------------------------------------------------------------------------------------------------
// Remediation planning
// ---------------------------------------------------------------------------------------------------------------

/** The ledger subject: a rule, or the conditional-access mismatch, which has a remediation of its own. */
export type RemediationSubject = RuleId | 'caMismatch';

/** The store's record per device and subject, carried from sweep to sweep. */
export interface RemediationAttempt {
  deviceId: string;
  subject: RemediationSubject;
  kind: RemediationKind;
  /** Consecutive attempts while the subject kept failing (0: seen, not yet sent, e.g. over budget). */
  attempts: number;
  lastAttemptAt?: string;
  /** `remediationFailed` already published for this run of failures. */
  failedPublished: boolean;
  /** When the ledger first held it: the first attempt, or for caMismatch the first sweep that saw it (an alert when
   * it persists to a later sweep). */
  firstSeenAt: string;
  /** caMismatch: alert already raised. */
  alerted?: boolean;
  /**
   * The subject passed at this instant, within the retry interval of the last attempt: the entry stays only so that
   * a relapse waits out the interval (at most one attempt per device and subject per interval), then it is deleted.
   */
  clearedAt?: string;
}

/**
 * One write to send. Subjects of one device wanting the same kind share one action (three rules asking for a sync
 * send one sync); each subject's attempt is counted in the ledger.
 */
export interface RemediationAction {
  /** Stable: tenant, device, kind, subjects and the sweep's instant; the queue's message id (duplicates dropped). */
  actionId: string;
  tenantId: string;
  deviceId: string;
  aadDeviceId?: string;
  subjects: readonly RemediationSubject[];
  params: RemediationParams;
  channel: RemediationChannel;
  /** Offset from the sweep's start at which to send it (the write budget's pacing). */
  delayMs: number;
}

export interface RemediationFailure {
  eventId: string;
  tenantId: string;
  deviceId: string;
  subject: RemediationSubject;
  kind: RemediationKind;
  attempts: number;
}

export interface CaMismatchAlert {
  eventId: string;
  tenantId: string;
  deviceId: string;
  since: string;
  failing: readonly RuleId[];
}

export interface RemediationPlan {
  actions: readonly RemediationAction[];
  /** Wanted but over budget this sweep: picked again next sweep (not counted as attempts). */
  deferred: number;
  failures: readonly RemediationFailure[];
  caMismatchAlerts: readonly CaMismatchAlert[];
  /** The ledger after this sweep: upsert these ... */
  ledger: readonly RemediationAttempt[];
  /** ... and delete these (`deviceId` + `subject`): the subject passes again (verified) past the retry interval. */
  resolved: readonly { deviceId: string; subject: RemediationSubject }[];
}

export interface PlanInput {
  tenantId: string;
  verdicts: Iterable<DeviceVerdict>;
  /** The ledger as stored, keyed `${deviceId}|${subject}` (see `ledgerKey`). */
  ledger: ReadonlyMap<string, RemediationAttempt>;
  now: number;
}

export type PlanRemediations = (
  input: PlanInput,
  baseline: Baseline,
  settings: TenantComplianceSettings,
) => RemediationPlan;

export function ledgerKey(deviceId: string, subject: RemediationSubject): string {
  return `${deviceId}|${subject}`;
}
