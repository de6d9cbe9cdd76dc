import {
  type DeviceFacts,
  type RuleId,
  type RuleOutcome,
} from '../../../shared/compliance/baseline/contract';
import { evaluateDevice } from '../../../shared/compliance/baseline/evaluate';
import { complianceBaseline, compareVersions, osBuild } from '../../../shared/compliance/baseline/rules';
import { defaultTenantComplianceSettings } from '../../../shared/compliance/baseline/settings';
import { type UpdateRing } from '../../../shared/domain/tenant';
import { ringForDevice } from '../../../shared/domain/update-ring';
import { healthyDeviceFacts } from '../../../local/dev/compliance-fleet';

const now = Date.parse('2026-12-01T08:00:00Z');
const dayMs = 86_400_000;
const tenantId = 'tenant-a';
const shares = { test: 0, first: 1, fast: 9, broad: 90 };
const settings = defaultTenantComplianceSettings(tenantId, shares);
const ago = (days: number) => new Date(now - days * dayMs).toISOString();
/** The device in `ring`, lacking the quality update released `days` ago. */
const lacking =
  (ring: UpdateRing, status: 'pending' | 'inProgress' | 'failed', days: number) => (f: DeviceFacts) =>
    (f.qualityUpdate = { asOf: f.qualityUpdate!.asOf, ring, status, missingReleaseDate: ago(days) });

function device(change: (facts: DeviceFacts) => void = () => undefined): DeviceFacts {
  const facts = healthyDeviceFacts(tenantId, 7, now);
  change(facts);
  return facts;
}

function result(ruleId: RuleId, facts: DeviceFacts) {
  const found = evaluateDevice(facts, complianceBaseline, settings, now).results.find(
    (r) => r.ruleId === ruleId,
  );
  if (!found) throw new Error(`${ruleId} not judged`);
  return found;
}

type Case = [string, RuleId, (facts: DeviceFacts) => void, RuleOutcome, RegExp, string?];

const cases: Case[] = [
  [
    'AV off',
    'MDS-AV-01',
    (f) => (f.protectionState!.malwareProtectionEnabled = false),
    'fail',
    /antivirus off/i,
    'deviceSync',
  ],
  [
    'real-time off',
    'MDS-AV-02',
    (f) => (f.protectionState!.realTimeProtectionEnabled = false),
    'fail',
    /real-time protection off/,
    'deviceSync',
  ],
  [
    'tamper off',
    'MDS-AV-03',
    (f) => (f.protectionState!.tamperProtectionEnabled = false),
    'fail',
    /tamper protection off/,
    'deviceSync',
  ],
  [
    'tamper not reported',
    'MDS-AV-03',
    (f) => delete f.protectionState!.tamperProtectionEnabled,
    'unknown',
    /not reported/,
  ],
  [
    'signatures overdue',
    'MDS-AV-04',
    (f) => (f.protectionState!.signatureUpdateOverdue = true),
    'fail',
    /overdue \(version 1\.421\.1554\.0\)/,
    'signatureUpdate',
  ],
  [
    'quick scan old, Defender active',
    'MDS-AV-05',
    (f) => (f.protectionState!.lastQuickScanDateTime = ago(8)),
    'fail',
    /over 7 days ago/,
    'defenderAvScan',
  ],
  [
    'quick scan never, Defender inactive',
    'MDS-AV-05',
    (f) => {
      delete f.protectionState!.lastQuickScanDateTime;
      f.defender!.machine!.healthStatus = 'Inactive';
    },
    'fail',
    /no quick scan/,
    'quickScan',
  ],
  [
    'quick scan 6 days ago',
    'MDS-AV-05',
    (f) => (f.protectionState!.lastQuickScanDateTime = ago(6)),
    'pass',
    /last quick scan/,
  ],
  [
    'not encrypted',
    'MDS-ENC-01',
    (f) => (f.managedDevice!.isEncrypted = false),
    'fail',
    /not encrypted/,
    'deviceSync',
  ],
  ['no TPM', 'MDS-ENC-01', (f) => (f.managedDevice!.tpm = { present: false }), 'fail', /without a TPM/],
  ['TPM not reported', 'MDS-ENC-01', (f) => delete f.managedDevice!.tpm, 'unknown', /TPM not reported/],
  [
    'no key',
    'MDS-ENC-02',
    (f) => (f.bitLockerKeys!.keys = []),
    'fail',
    /no OS volume recovery key/,
    'bitLockerKeyRotation',
  ],
  [
    'only a data volume key',
    'MDS-ENC-02',
    (f) => (f.bitLockerKeys!.keys = [{ id: 'k', volumeType: 'fixedDataVolume' }]),
    'fail',
    /no OS volume/,
    'bitLockerKeyRotation',
  ],
  [
    'key, not encrypted',
    'MDS-ENC-02',
    (f) => (f.managedDevice!.isEncrypted = false),
    'notApplicable',
    /MDS-ENC-01/,
  ],
  ['no machine', 'MDS-MON-01', (f) => delete f.defender!.machine, 'fail', /not listed/, 'deviceSync'],
  [
    'can be onboarded',
    'MDS-MON-01',
    (f) => (f.defender!.machine!.onboardingStatus = 'CanBeOnboarded'),
    'fail',
    /CanBeOnboarded/,
    'deviceSync',
  ],
  [
    'health impaired',
    'MDS-MON-02',
    (f) => (f.defender!.machine!.healthStatus = 'ImpairedCommunication'),
    'fail',
    /ImpairedCommunication/,
  ],
  [
    'health, not onboarded',
    'MDS-MON-02',
    (f) => delete f.defender!.machine,
    'notApplicable',
    /not onboarded/,
  ],
  [
    'no sensor data',
    'MDS-MON-03',
    (f) => (f.defender!.machine!.healthStatus = 'NoSensorData'),
    'fail',
    /NoSensorData/,
  ],
  [
    'sensor silent 4 days',
    'MDS-MON-03',
    (f) => (f.defender!.machine!.lastSeen = ago(4)),
    'fail',
    /over 72 hours/,
  ],
  ['sensor never seen', 'MDS-MON-03', (f) => delete f.defender!.machine!.lastSeen, 'fail', /never seen/],
  [
    'Broad, released 15 days ago: within 9+5+2 days',
    'MDS-UPD-01',
    lacking('broad', 'pending', 15),
    'pass',
    /within ring broad's deadline and grace \(due 2026-12-02\)/,
  ],
  [
    'Broad, released 17 days ago',
    'MDS-UPD-01',
    lacking('broad', 'failed', 17),
    'fail',
    /past ring broad's/,
    'deviceSync',
  ],
  [
    'Test, released a day ago: no grace',
    'MDS-UPD-01',
    lacking('test', 'pending', 1),
    'fail',
    /ring test/,
    'deviceSync',
  ],
  [
    'First, released 4 days ago: 1+2+2 days',
    'MDS-UPD-01',
    lacking('first', 'inProgress', 4),
    'pass',
    /within ring first/,
  ],
  [
    'First, released 6 days ago',
    'MDS-UPD-01',
    lacking('first', 'inProgress', 6),
    'fail',
    /past ring first/,
    'deviceSync',
  ],
  [
    'pending without release date',
    'MDS-UPD-01',
    (f) => (f.qualityUpdate!.status = 'pending'),
    'unknown',
    /release date/,
  ],
  [
    '23H2 ended 2026-11-10',
    'MDS-UPD-02',
    (f) => (f.managedDevice!.osVersion = '10.0.22631.4602'),
    'fail',
    /Windows 11 23H2 reached end of service on 2026-11-10/,
  ],
  [
    'build not in table',
    'MDS-UPD-02',
    (f) => (f.managedDevice!.osVersion = '10.0.99999.1'),
    'unknown',
    /not in the release table/,
  ],
  [
    'old Office',
    'MDS-UPD-03',
    (f) => (f.m365Apps!.version = '16.0.18025.20160'),
    'fail',
    /below the supported 16\.0\.19328\.0 \(current\)/,
  ],
  [
    'semi-annual Office',
    'MDS-UPD-03',
    (f) => (f.m365Apps = { ...f.m365Apps!, version: '16.0.18526.20000', channel: 'semiAnnual' }),
    'pass',
    /semiAnnual/,
  ],
  [
    'no Office',
    'MDS-UPD-03',
    (f) => (f.m365Apps = { asOf: f.m365Apps!.asOf, installed: false }),
    'notApplicable',
    /not installed/,
  ],
  [
    'Pictures not moved',
    'MDS-REC-01',
    (f) => (f.knownFolders!.pictures = false),
    'fail',
    /not protected: Pictures$/,
  ],
  ['Desktop unreported', 'MDS-REC-01', (f) => delete f.knownFolders!.desktop, 'unknown', /Desktop/],
  [
    'admin profile',
    'MDS-ID-01',
    (f) => (f.autopilotProfile!.userType = 'administrator'),
    'fail',
    /administrator/,
  ],
  [
    'policy error',
    'MDS-ID-01',
    (f) => (f.accountProtection!.status = 'error'),
    'fail',
    /policy error/,
    'deviceSync',
  ],
  ['policy pending', 'MDS-ID-01', (f) => (f.accountProtection!.status = 'pending'), 'unknown', /pending/],
  [
    'policy not assigned',
    'MDS-ID-01',
    (f) => (f.accountProtection!.status = 'notApplicable'),
    'fail',
    /not assigned/,
  ],
  ['no WHfB', 'MDS-ID-02', (f) => (f.windowsHello!.provisioned = false), 'fail', /not provisioned/],
  [
    'CrowdStrike and McAfee',
    'MDS-3P-01',
    (f) =>
      (f.appInventory!.apps = [
        ...f.appInventory!.apps,
        { name: 'CrowdStrike Windows Sensor', publisher: 'CrowdStrike, Inc.' },
        { name: 'McAfee LiveSafe', publisher: 'McAfee, LLC' },
        { name: 'McAfee WebAdvisor', publisher: 'McAfee, LLC' },
      ]),
    'fail',
    /third-party security products: CrowdStrike Falcon, McAfee$/,
  ],
  [
    'AVG name from another publisher',
    'MDS-3P-01',
    (f) => (f.appInventory!.apps = [{ name: 'Savgol filter tool', publisher: 'Contoso' }]),
    'pass',
    /none among 1 applications/,
  ],
  ['no ring', 'MDS-MGMT-01', (f) => (f.ringMembership!.rings = []), 'fail', /in no ring group/, 'ringReAdd'],
  [
    'two rings',
    'MDS-MGMT-01',
    (f) => (f.ringMembership!.rings = ['fast', 'broad']),
    'fail',
    /several ring groups: fast, broad/,
    'ringReAdd',
  ],
  [
    'stale protection state',
    'MDS-AV-01',
    (f) => (f.protectionState!.asOf = ago(2)),
    'unknown',
    /protectionState data from .* is stale \(older than 24 h\)/,
  ],
  ['no protection state', 'MDS-AV-04', (f) => delete f.protectionState, 'unknown', /no protectionState data/],
  [
    'unparsable asOf',
    'MDS-ID-02',
    (f) => (f.windowsHello!.asOf = 'yesterday'),
    'unknown',
    /without a valid asOf/,
  ],
];

describe('baseline rules', () => {
  it('a healthy device passes every rule', () => {
    const verdict = evaluateDevice(device(), complianceBaseline, settings, now);
    expect(verdict.results.filter((r) => r.outcome !== 'pass')).toEqual([]);
    expect(verdict.results.map((r) => r.ruleId)).toEqual(complianceBaseline.rules.map((r) => r.id));
    expect(verdict.health).toBe('healthy');
  });

  const rows = cases.map(([name, ruleId, change, outcome, detail, remediation]) => ({
    name,
    ruleId,
    change,
    outcome,
    detail,
    remediation,
  }));
  it.each(rows)('$name: $ruleId is $outcome', ({ ruleId, change, outcome, detail, remediation }) => {
    const judged = result(ruleId, device(change));
    expect(judged.outcome).toBe(outcome);
    expect(judged.detail).toMatch(detail);
    expect(judged.remediation?.kind).toBe(remediation);
  });

  it('names each product found, once', () => {
    const judged = result(
      'MDS-3P-01',
      device(
        (f) =>
          (f.appInventory!.apps = [{ name: 'ESET Endpoint Antivirus', publisher: 'ESET, spol. s r.o.' }]),
      ),
    );
    expect(judged.products).toEqual(['ESET']);
  });

  it('every rule with a remediation can fail with one of its declared kinds, and no rule asks for an undeclared one', () => {
    const kinds = new Map<RuleId, Set<string>>();
    for (const [, ruleId, , , , remediation] of cases) {
      if (remediation) kinds.set(ruleId, (kinds.get(ruleId) ?? new Set()).add(remediation));
    }
    for (const rule of complianceBaseline.rules) {
      expect([...(kinds.get(rule.id) ?? [])].sort()).toEqual([...rule.remediations].sort());
    }
  });

  it('re-adds a device to the ring its hash gives, leaving the others', () => {
    const facts = device((f) => (f.ringMembership!.rings = ['test', 'first', 'fast', 'broad']));
    const expected = ringForDevice(tenantId, facts.serialNumber, shares);
    const judged = result('MDS-MGMT-01', facts);
    expect(judged.remediation).toEqual({
      kind: 'ringReAdd',
      ring: expected,
      removeFrom: ['test', 'first', 'fast', 'broad'].filter((r) => r !== expected),
    });
  });

  it('reads versions and builds', () => {
    expect(compareVersions('16.0.17928.20156', '16.0.17928.0')).toBeGreaterThan(0);
    expect(compareVersions('16.0.9.1', '16.0.10.0')).toBeLessThan(0);
    expect(compareVersions('16.0', '16.0.0.0')).toBe(0);
    expect(compareVersions('16.x', '16.0')).toBeNaN();
    expect(osBuild('10.0.26100.2605')).toBe(26100);
    expect(osBuild('10.0')).toBeUndefined();
  });
});
