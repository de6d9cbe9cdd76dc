import { ringForDevice } from '../../domain/update-ring';
import { updateRings, type UpdateRing } from '../../domain/tenant';
import {
  type Baseline,
  type DeviceFacts,
  type M365Channel,
  type Rule,
  type RuleId,
  type RuleEvaluation,
  type ThirdPartyProduct,
  type Thresholds,
  type WindowsRelease,
} from './contract';
import { isoMs } from './time';

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

function pass(detail: string): RuleEvaluation {
  return { outcome: 'pass', detail };
}
function fail(detail: string, remediation?: RuleEvaluation['remediation']): RuleEvaluation {
  return remediation ? { outcome: 'fail', detail, remediation } : { outcome: 'fail', detail };
}
function unknown(detail: string): RuleEvaluation {
  return { outcome: 'unknown', detail };
}
function notApplicable(detail: string): RuleEvaluation {
  return { outcome: 'notApplicable', detail };
}
const deviceSync = { kind: 'deviceSync' } as const;

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Milliseconds since the ISO instant, or undefined when it does not parse. */
function ageMs(iso: string | undefined, now: number): number | undefined {
  if (iso === undefined) return undefined;
  const at = isoMs(iso);
  return Number.isFinite(at) ? now - at : undefined;
}

/** `16.0.17928.20156` vs `16.0.17928.0`: numeric part by part; a missing part counts as 0. */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.');
  const right = b.split('.');
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = Number(left[i] ?? 0) - Number(right[i] ?? 0);
    if (difference !== 0) return Number.isNaN(difference) ? Number.NaN : difference;
  }
  return 0;
}

/** The OS build of `10.0.22631.4602` (22631), or undefined. */
export function osBuild(osVersion: string): number | undefined {
  const build = Number(osVersion.split('.')[2]);
  return Number.isInteger(build) && build > 0 ? build : undefined;
}

/** The machine when Defender lists it onboarded; rules about its health do not apply otherwise. */
function onboardedMachine(facts: DeviceFacts) {
  const machine = facts.defender?.machine;
  return machine?.onboardingStatus === 'Onboarded' ? machine : undefined;
}

const productCacheLimit = 100_000;

/**
 * The third-party products whose name (and publisher, when the entry names one) the inventory holds. The cache keeps
 * the candidates per application name (most names are none), since names repeat across a fleet.
 */
export function findThirdPartyProducts(
  apps: readonly { name: string; publisher?: string }[],
  products: readonly ThirdPartyProduct[],
  cache?: Map<string, readonly ThirdPartyProduct[]>,
): string[] {
  if (cache && cache.size > productCacheLimit) cache.clear();
  const found: string[] = [];
  for (const app of apps) {
    let candidates = cache?.get(app.name);
    if (candidates === undefined) {
      const name = app.name.toLowerCase();
      candidates = products.filter((p) => name.includes(p.match));
      cache?.set(app.name, candidates);
    }
    if (candidates.length === 0) continue;
    const publisher = (app.publisher ?? '').toLowerCase();
    const product = candidates.find((p) => p.publisher === undefined || publisher.includes(p.publisher));
    if (product && !found.includes(product.name)) found.push(product.name);
  }
  return found;
}

/** A protection setting that must be on; a device sync re-applies the policy that turns it on. */
function protectionSwitch(
  id: RuleId,
  title: string,
  setting: 'malwareProtectionEnabled' | 'realTimeProtectionEnabled' | 'tamperProtectionEnabled',
  name: string,
): Rule {
  return {
    id,
    title,
    category: 'antivirus',
    severity: 'high',
    reads: ['protectionState'],
    defaultMode: 'remediate',
    remediations: ['deviceSync'],
    evaluate: ({ protectionState }) => {
      const on = protectionState![setting];
      if (on === undefined) return unknown(`${name} not reported`);
      return on ? pass(`${name} on`) : fail(`${name} off`, deviceSync);
    },
  };
}

const rules: Rule[] = [
  protectionSwitch(
    'MDS-AV-01',
    'Microsoft Defender Antivirus on',
    'malwareProtectionEnabled',
    'Defender Antivirus',
  ),
  protectionSwitch(
    'MDS-AV-02',
    'Real-time protection on',
    'realTimeProtectionEnabled',
    'real-time protection',
  ),
  protectionSwitch('MDS-AV-03', 'Tamper protection on', 'tamperProtectionEnabled', 'tamper protection'),
  {
    id: 'MDS-AV-04',
    title: 'Antivirus signatures not overdue',
    category: 'antivirus',
    severity: 'high',
    reads: ['protectionState'],
    defaultMode: 'remediate',
    remediations: ['signatureUpdate'],
    evaluate: ({ protectionState: p }) => {
      const version = p!.signatureVersion ? ` (version ${p!.signatureVersion})` : '';
      return p!.signatureUpdateOverdue
        ? fail(`signatures overdue${version}`, { kind: 'signatureUpdate' })
        : pass(`signatures current${version}`);
    },
  },
  {
    id: 'MDS-AV-05',
    title: 'Quick scan within 7 days',
    category: 'antivirus',
    severity: 'medium',
    reads: ['protectionState'],
    defaultMode: 'remediate',
    remediations: ['defenderAvScan', 'quickScan'],
    evaluate: (facts, { now, thresholds }) => {
      const last = facts.protectionState!.lastQuickScanDateTime;
      const age = ageMs(last, now);
      if (age !== undefined && age <= thresholds.quickScanMaxAgeDays * dayMs)
        return pass(`last quick scan ${last}`);
      // Through Defender for Endpoint when it manages the device: its actions do not spend Intune's write budget.
      const machine = onboardedMachine(facts);
      const remediation =
        machine?.healthStatus === 'Active'
          ? ({ kind: 'defenderAvScan', machineId: machine.id, scanType: 'Quick' } as const)
          : ({ kind: 'quickScan' } as const);
      return fail(
        age === undefined
          ? 'no quick scan reported'
          : `last quick scan ${last}, over ${thresholds.quickScanMaxAgeDays} days ago`,
        remediation,
      );
    },
  },
  {
    id: 'MDS-ENC-01',
    title: 'BitLocker on the OS volume with the TPM',
    category: 'encryption',
    severity: 'high',
    reads: ['managedDevice'],
    defaultMode: 'remediate',
    remediations: ['deviceSync'],
    evaluate: ({ managedDevice: m }) => {
      if (!m!.isEncrypted) return fail('OS volume not encrypted', deviceSync);
      if (m!.tpm === undefined) return unknown('encrypted; TPM not reported');
      if (!m!.tpm.present) return fail('encrypted without a TPM');
      const version = m!.tpm.specificationVersion ? ` ${m!.tpm.specificationVersion}` : '';
      return pass(`BitLocker on with TPM${version}`);
    },
  },
  {
    id: 'MDS-ENC-02',
    title: 'BitLocker recovery key escrowed',
    category: 'encryption',
    severity: 'high',
    reads: ['managedDevice', 'bitLockerKeys'],
    defaultMode: 'remediate',
    remediations: ['bitLockerKeyRotation'],
    evaluate: ({ managedDevice: m, bitLockerKeys: k }) => {
      if (!m!.isEncrypted) return notApplicable('not encrypted (see MDS-ENC-01)');
      const escrowed = k!.keys.filter((key) => key.volumeType === 'operatingSystemVolume').length;
      return escrowed > 0
        ? pass(`${escrowed} OS volume recovery key${escrowed === 1 ? '' : 's'} escrowed`)
        : fail('no OS volume recovery key escrowed', { kind: 'bitLockerKeyRotation' });
    },
  },
  {
    id: 'MDS-MON-01',
    title: 'Onboarded to Defender for Endpoint',
    category: 'monitoring',
    severity: 'high',
    reads: ['defender'],
    defaultMode: 'remediate',
    remediations: ['deviceSync'],
    evaluate: ({ defender }) => {
      const machine = defender!.machine;
      if (!machine) return fail('not listed by Defender for Endpoint', deviceSync);
      return machine.onboardingStatus === 'Onboarded'
        ? pass('onboarded')
        : fail(`onboarding status ${machine.onboardingStatus}`, deviceSync);
    },
  },
  {
    id: 'MDS-MON-02',
    title: 'Defender for Endpoint health Active',
    category: 'monitoring',
    severity: 'high',
    reads: ['defender'],
    defaultMode: 'alert',
    remediations: [],
    evaluate: (facts) => {
      const machine = onboardedMachine(facts);
      if (!machine) return notApplicable('not onboarded (see MDS-MON-01)');
      return machine.healthStatus === 'Active'
        ? pass('health Active')
        : fail(`health ${machine.healthStatus}`);
    },
  },
  {
    id: 'MDS-MON-03',
    title: 'Defender for Endpoint sensor reporting',
    category: 'monitoring',
    severity: 'medium',
    reads: ['defender'],
    defaultMode: 'alert',
    remediations: [],
    evaluate: (facts, { now, thresholds }) => {
      const machine = onboardedMachine(facts);
      if (!machine) return notApplicable('not onboarded (see MDS-MON-01)');
      if (machine.healthStatus.startsWith('NoSensorData')) return fail(`health ${machine.healthStatus}`);
      const age = ageMs(machine.lastSeen, now);
      if (age === undefined) return fail('never seen by Defender for Endpoint');
      return age <= thresholds.sensorSilenceHours * hourMs
        ? pass(`last seen ${machine.lastSeen}`)
        : fail(`last seen ${machine.lastSeen}, over ${thresholds.sensorSilenceHours} hours ago`);
    },
  },
  {
    id: 'MDS-UPD-01',
    title: "Quality update current for the device's ring",
    category: 'updates',
    severity: 'high',
    reads: ['qualityUpdate'],
    defaultMode: 'remediate',
    remediations: ['deviceSync'],
    evaluate: ({ qualityUpdate: q }, { now, thresholds }) => {
      if (q!.status === 'upToDate') return pass(`up to date (ring ${q!.ring})`);
      const released = q!.missingReleaseDate === undefined ? Number.NaN : isoMs(q!.missingReleaseDate);
      if (!Number.isFinite(released))
        return unknown(`status ${q!.status} without the missing update's release date`);
      // The ring's deferral delays the offer; its deadline and grace period are the time the device has to install.
      const ring = thresholds.rings[q!.ring];
      const due =
        released + (ring.qualityDeferralDays + ring.qualityDeadlineDays + ring.qualityGraceDays) * dayMs;
      const what = `update released ${day(released)} ${q!.status}`;
      return now <= due
        ? pass(`${what}, within ring ${q!.ring}'s deadline and grace (due ${day(due)})`)
        : fail(`${what}, past ring ${q!.ring}'s deadline and grace (due ${day(due)})`, deviceSync);
    },
  },
  {
    id: 'MDS-UPD-02',
    title: 'Feature update not at end of service',
    category: 'updates',
    severity: 'high',
    reads: ['managedDevice'],
    defaultMode: 'alert',
    remediations: [],
    evaluate: ({ managedDevice: m }, { now, windowsReleases }) => {
      const build = osBuild(m!.osVersion);
      const release = build === undefined ? undefined : windowsReleases.find((r) => r.build === build);
      if (!release) return unknown(`OS version ${m!.osVersion} not in the release table`);
      return isoMs(release.endOfService) > now
        ? pass(`${release.name}, serviced until ${release.endOfService}`)
        : fail(`${release.name} reached end of service on ${release.endOfService}`);
    },
  },
  {
    id: 'MDS-UPD-03',
    title: 'Microsoft 365 Apps on a supported build',
    category: 'updates',
    severity: 'medium',
    reads: ['m365Apps'],
    defaultMode: 'alert',
    remediations: [],
    evaluate: ({ m365Apps: a }, { thresholds }) => {
      if (!a!.installed) return notApplicable('Microsoft 365 Apps not installed');
      if (a!.version === undefined) return unknown('Microsoft 365 Apps version not reported');
      const channel: M365Channel = a!.channel ?? 'current';
      const minimum = thresholds.m365AppsMinimumVersion[channel];
      const order = compareVersions(a!.version, minimum);
      if (Number.isNaN(order)) return unknown(`Microsoft 365 Apps version ${a!.version} does not parse`);
      return order >= 0
        ? pass(`version ${a!.version} (${channel}, minimum ${minimum})`)
        : fail(`version ${a!.version} below the supported ${minimum} (${channel})`);
    },
  },
  {
    id: 'MDS-REC-01',
    title: 'OneDrive known folders protected (Desktop, Documents, Pictures)',
    category: 'recovery',
    severity: 'medium',
    reads: ['knownFolders'],
    defaultMode: 'alert',
    remediations: [],
    evaluate: ({ knownFolders: k }) => {
      const folders = [
        ['Desktop', k!.desktop],
        ['Documents', k!.documents],
        ['Pictures', k!.pictures],
      ] as const;
      const unprotected = folders.filter(([, state]) => state === false).map(([name]) => name);
      if (unprotected.length > 0) return fail(`not protected: ${unprotected.join(', ')}`);
      const unreported = folders.filter(([, state]) => state === undefined).map(([name]) => name);
      if (unreported.length > 0)
        return unknown(`not reported by the compliance script: ${unreported.join(', ')}`);
      return pass('Desktop, Documents and Pictures protected');
    },
  },
  {
    id: 'MDS-ID-01',
    title: 'Primary user is a standard user',
    category: 'identity',
    severity: 'high',
    reads: ['autopilotProfile', 'accountProtection'],
    defaultMode: 'alert',
    remediations: ['deviceSync'],
    evaluate: ({ autopilotProfile: profile, accountProtection: policy }) => {
      if (profile!.userType === 'administrator')
        return fail('Autopilot profile makes the user an administrator');
      const status = policy!.status;
      if (status === 'error' || status === 'conflict')
        return fail(`account protection policy ${status}`, deviceSync);
      if (status === 'notApplicable') return fail('account protection policy not assigned');
      if (profile!.userType === undefined) return unknown('Autopilot profile user type not reported');
      if (status !== 'succeeded') return unknown(`account protection policy ${status}`);
      return pass('standard user; account protection policy applied');
    },
  },
  {
    id: 'MDS-ID-02',
    title: 'Windows Hello for Business provisioned',
    category: 'identity',
    severity: 'medium',
    reads: ['windowsHello'],
    defaultMode: 'report',
    remediations: [],
    evaluate: ({ windowsHello }) =>
      windowsHello!.provisioned
        ? pass('Windows Hello for Business provisioned')
        : fail('Windows Hello for Business not provisioned'),
  },
  {
    id: 'MDS-3P-01',
    title: 'No third-party security products',
    category: 'thirdParty',
    severity: 'high',
    reads: ['appInventory'],
    defaultMode: 'alert',
    remediations: [],
    evaluate: ({ appInventory }, context) => {
      const products = findThirdPartyProducts(
        appInventory!.apps,
        context.thirdPartyProducts,
        context.productCache,
      );
      return products.length === 0
        ? pass(`none among ${appInventory!.apps.length} applications`)
        : { outcome: 'fail', detail: `third-party security products: ${products.join(', ')}`, products };
    },
  },
  {
    id: 'MDS-MGMT-01',
    title: 'In exactly one update ring',
    category: 'management',
    severity: 'medium',
    reads: ['ringMembership'],
    defaultMode: 'remediate',
    remediations: ['ringReAdd'],
    evaluate: (facts, { ringShares }) => {
      const rings = facts.ringMembership!.rings;
      if (rings.length === 1) return pass(`ring ${rings[0]}`);
      // The ring its hash gives, as onboarding assigns it (shared/domain/update-ring.ts).
      const ring = ringForDevice(facts.tenantId, facts.serialNumber, ringShares);
      const removeFrom: UpdateRing[] = updateRings.filter((r) => r !== ring && rings.includes(r));
      return fail(rings.length === 0 ? 'in no ring group' : `in several ring groups: ${rings.join(', ')}`, {
        kind: 'ringReAdd',
        ring,
        removeFrom,
      });
    },
  },
  {
    id: 'MDS-MGMT-02',
    title: 'Checked in within 7 days',
    category: 'management',
    severity: 'high',
    reads: ['managedDevice'],
    defaultMode: 'report',
    remediations: [],
    evaluate: ({ managedDevice: m }, { now, thresholds }) => {
      const age = ageMs(m!.lastSyncDateTime, now);
      if (age === undefined) return fail('never checked in');
      return age <= thresholds.notReportingAfterDays * dayMs
        ? pass(`last check-in ${m!.lastSyncDateTime}`)
        : fail(`last check-in ${m!.lastSyncDateTime}, over ${thresholds.notReportingAfterDays} days ago`);
    },
  },
];

/** The rule whose failure makes a device `notReporting` instead of judging the others. */
export const checkInRuleId = 'MDS-MGMT-02';

export const defaultThresholds: Thresholds = {
  // Hourly sources a day; six-hourly exports (whose data lags up to 48 h) three days; daily ones a week.
  staleAfterHours: {
    managedDevice: 24,
    protectionState: 24,
    bitLockerKeys: 24,
    defender: 24,
    ringMembership: 24,
    qualityUpdate: 72,
    m365Apps: 72,
    knownFolders: 72,
    accountProtection: 72,
    windowsHello: 72,
    appInventory: 72,
    autopilotProfile: 168,
    reliability: 168,
  },
  notReportingAfterDays: 7,
  quickScanMaxAgeDays: 7,
  sensorSilenceHours: 72,
  // Windows Autopatch's values for Test/First/Fast/Broad.
  rings: {
    test: { qualityDeferralDays: 0, qualityDeadlineDays: 0, qualityGraceDays: 0 },
    first: { qualityDeferralDays: 1, qualityDeadlineDays: 2, qualityGraceDays: 2 },
    fast: { qualityDeferralDays: 6, qualityDeadlineDays: 2, qualityGraceDays: 2 },
    broad: { qualityDeferralDays: 9, qualityDeadlineDays: 5, qualityGraceDays: 2 },
  },
  // The oldest builds still supported per channel, as of this baseline version; kept current with the baseline.
  m365AppsMinimumVersion: {
    current: '16.0.19328.0',
    monthlyEnterprise: '16.0.19127.0',
    semiAnnual: '16.0.18526.0',
    semiAnnualPreview: '16.0.19127.0',
  },
  fleet: { bitLockerMinShare: 0.95, definitionsMinShare: 0.95, stopErrorFreeMinShare: 0.97 },
  remediation: { retryAfterHours: 24, maxAttempts: 2 },
  writeBudget: {
    intuneWritesPerWindow: 100,
    windowMs: 20_000,
    intuneShare: 0.5,
    windows: 15,
    directoryWritesPerSweep: 200,
    defenderActionsPerSweep: 50,
  },
};

/** Enterprise and Education end of servicing of the Windows feature updates the service has run. */
export const windowsReleases: readonly WindowsRelease[] = [
  { build: 19044, name: 'Windows 10 21H2', endOfService: '2024-06-11' },
  { build: 19045, name: 'Windows 10 22H2', endOfService: '2025-10-14' },
  { build: 22000, name: 'Windows 11 21H2', endOfService: '2024-10-08' },
  { build: 22621, name: 'Windows 11 22H2', endOfService: '2025-10-14' },
  { build: 22631, name: 'Windows 11 23H2', endOfService: '2026-11-10' },
  { build: 26100, name: 'Windows 11 24H2', endOfService: '2027-10-12' },
  { build: 26200, name: 'Windows 11 25H2', endOfService: '2028-10-10' },
];

/** Antivirus, firewall and endpoint agents besides Microsoft's; match strings lower case. Tenants may add more. */
export const thirdPartyProducts: readonly ThirdPartyProduct[] = [
  { name: 'McAfee', match: 'mcafee', category: 'antivirus' },
  { name: 'Norton', match: 'norton', category: 'antivirus' },
  { name: 'Symantec Endpoint Protection', match: 'symantec endpoint protection', category: 'antivirus' },
  { name: 'Sophos', match: 'sophos', category: 'antivirus' },
  { name: 'Trend Micro', match: 'trend micro', category: 'antivirus' },
  { name: 'ESET', match: 'eset', publisher: 'eset', category: 'antivirus' },
  { name: 'Kaspersky', match: 'kaspersky', category: 'antivirus' },
  { name: 'Bitdefender', match: 'bitdefender', category: 'antivirus' },
  { name: 'Avast', match: 'avast', category: 'antivirus' },
  { name: 'AVG', match: 'avg', publisher: 'avg technologies', category: 'antivirus' },
  { name: 'Avira', match: 'avira', category: 'antivirus' },
  { name: 'Malwarebytes', match: 'malwarebytes', category: 'antivirus' },
  { name: 'Webroot', match: 'webroot', category: 'antivirus' },
  { name: 'F-Secure', match: 'f-secure', category: 'antivirus' },
  { name: 'WithSecure', match: 'withsecure', category: 'antivirus' },
  { name: 'Panda', match: 'panda', publisher: 'panda security', category: 'antivirus' },
  { name: 'CrowdStrike Falcon', match: 'crowdstrike', category: 'endpointAgent' },
  { name: 'SentinelOne', match: 'sentinel agent', publisher: 'sentinelone', category: 'endpointAgent' },
  { name: 'Carbon Black', match: 'carbon black', category: 'endpointAgent' },
  { name: 'Cylance', match: 'cylance', category: 'endpointAgent' },
  { name: 'Trellix', match: 'trellix', category: 'endpointAgent' },
  { name: 'Cisco Secure Endpoint', match: 'cisco secure endpoint', category: 'endpointAgent' },
  { name: 'ZoneAlarm', match: 'zonealarm', category: 'firewall' },
  { name: 'Comodo Firewall', match: 'comodo firewall', category: 'firewall' },
  { name: 'GlassWire', match: 'glasswire', category: 'firewall' },
];

/** The baseline every tenant is judged by; a change of rules or defaults bumps the version. */
export const complianceBaseline: Baseline = {
  version: '1.0.0',
  rules,
  defaults: defaultThresholds,
  thirdPartyProducts,
  windowsReleases,
};
