import { mulberry32 } from '@mds/platform-kit';
import { type DeviceFacts } from '../../shared/compliance/baseline/contract';
import { type UpdateRing } from '../../shared/domain/tenant';

/**
 * Device facts for tests and benchmarks: a device that passes every rule of the baseline, and a realistic mixed fleet
 * (seeded, so the same seed gives the same fleet) with the failures a managed-desktop fleet shows.
 */

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/** Everyday applications of a managed desktop (the inventory a device reports besides the ones a rule looks for). */
const everydayApps = [
  ['Microsoft Edge', 'Microsoft Corporation'],
  ['Microsoft Teams', 'Microsoft Corporation'],
  ['Microsoft OneDrive', 'Microsoft Corporation'],
  ['Microsoft 365 Apps for enterprise - en-us', 'Microsoft Corporation'],
  ['Microsoft Visual C++ 2015-2022 Redistributable (x64)', 'Microsoft Corporation'],
  ['Microsoft Visual C++ 2015-2022 Redistributable (x86)', 'Microsoft Corporation'],
  ['Microsoft Update Health Tools', 'Microsoft Corporation'],
  ['Microsoft Intune Management Extension', 'Microsoft Corporation'],
  ['Company Portal', 'Microsoft Corporation'],
  ['Windows PC Health Check', 'Microsoft Corporation'],
  ['Google Chrome', 'Google LLC'],
  ['Mozilla Firefox (x64 en-US)', 'Mozilla'],
  ['Adobe Acrobat (64-bit)', 'Adobe'],
  ['Zoom Workplace (64-bit)', 'Zoom Communications, Inc.'],
  ['7-Zip 24.08 (x64)', 'Igor Pavlov'],
  ['Notepad++ (64-bit x64)', 'Notepad++ Team'],
  ['Git', 'The Git Development Community'],
  ['Microsoft Visual Studio Code', 'Microsoft Corporation'],
  ['Python 3.12.7 (64-bit)', 'Python Software Foundation'],
  ['Node.js', 'Node.js Foundation'],
  ['Slack (Machine - MSI)', 'Slack Technologies Inc.'],
  ['Cisco Secure Client - AnyConnect VPN', 'Cisco Systems, Inc.'],
  ['Dell Command | Update', 'Dell Inc.'],
  ['HP Support Assistant', 'HP Inc.'],
  ['Lenovo Vantage Service', 'Lenovo Group Ltd.'],
  ['Intel(R) Graphics Driver', 'Intel Corporation'],
  ['Realtek Audio Driver', 'Realtek Semiconductor Corp.'],
  ['Microsoft Power BI Desktop (x64)', 'Microsoft Corporation'],
  ['Webex', 'Cisco Systems, Inc'],
  ['VLC media player', 'VideoLAN'],
] as const;

/** Third-party security products as devices report them (name, publisher). */
const securityProducts = [
  ['McAfee LiveSafe', 'McAfee, LLC'],
  ['CrowdStrike Windows Sensor', 'CrowdStrike, Inc.'],
  ['Sophos Endpoint Agent', 'Sophos Limited'],
  ['ESET Endpoint Antivirus', 'ESET, spol. s r.o.'],
  ['ZoneAlarm Free Firewall', 'Check Point Software Technologies'],
] as const;

/** A device of `tenantId` that passes every rule at `now` (its facts fresh, in ring Broad, Windows 11 24H2). */
export function healthyDeviceFacts(tenantId: string, index: number, now: number): DeviceFacts {
  const asOf = new Date(now - hourMs).toISOString();
  const serial = `SN${String(index).padStart(8, '0')}`;
  return {
    tenantId,
    deviceId: `md-${String(index).padStart(8, '0')}`,
    aadDeviceId: `aad-${String(index).padStart(8, '0')}`,
    serialNumber: serial,
    managedDevice: {
      asOf,
      lastSyncDateTime: new Date(now - 3 * hourMs).toISOString(),
      complianceState: 'compliant',
      isEncrypted: true,
      osVersion: '10.0.26100.2605',
      tpm: { present: true, specificationVersion: '2.0' },
    },
    protectionState: {
      asOf,
      malwareProtectionEnabled: true,
      realTimeProtectionEnabled: true,
      tamperProtectionEnabled: true,
      signatureUpdateOverdue: false,
      signatureVersion: '1.421.1554.0',
      lastQuickScanDateTime: new Date(now - dayMs).toISOString(),
    },
    bitLockerKeys: {
      asOf,
      keys: [
        { id: `key-${index}`, volumeType: 'operatingSystemVolume', createdDateTime: '2026-03-02T10:00:00Z' },
      ],
    },
    defender: {
      asOf,
      machine: {
        id: `m-${index.toString(16).padStart(8, '0')}`,
        onboardingStatus: 'Onboarded',
        healthStatus: 'Active',
        lastSeen: new Date(now - 2 * hourMs).toISOString(),
      },
    },
    qualityUpdate: { asOf, ring: 'broad', status: 'upToDate' },
    m365Apps: { asOf, installed: true, version: '16.0.19426.20118', channel: 'current' },
    knownFolders: { asOf, desktop: true, documents: true, pictures: true },
    autopilotProfile: { asOf, userType: 'standard' },
    accountProtection: { asOf, status: 'succeeded' },
    windowsHello: { asOf, provisioned: true },
    appInventory: {
      asOf,
      apps: everydayApps.map(([name, publisher]) => ({ name, publisher })),
    },
    ringMembership: { asOf, rings: ['broad'] },
    reliability: { asOf, blueScreenCount: 0 },
  };
}

/**
 * A fleet as managed desktops look: most devices healthy; a few percent each with signatures overdue, BitLocker or
 * its key missing, Defender impaired, updates pending (within grace or past it), an old feature update, old Office,
 * known folders not moved, a third-party product, no or two rings, stale sources, stop errors; 3 % not reporting.
 * Each device carries the ~30 applications of a desktop. `firstIndex` numbers the devices, so that a fleet can be built
 * in chunks.
 */
export function mixedFleet(
  tenantId: string,
  devices: number,
  now: number,
  seed = 1,
  firstIndex = 0,
): DeviceFacts[] {
  const random = mulberry32(seed);
  const chance = (p: number) => random() < p;
  const fleet: DeviceFacts[] = [];
  for (let i = firstIndex; i < firstIndex + devices; i++) {
    const facts = healthyDeviceFacts(tenantId, i, now);
    const m = facts.managedDevice!;
    const p = facts.protectionState!;
    // Autopatch's proportions above 200 devices: First 1 %, Fast 9 %, Broad 90 %.
    const draw = random();
    const ring: UpdateRing = draw < 0.01 ? 'first' : draw < 0.1 ? 'fast' : 'broad';
    facts.ringMembership = { ...facts.ringMembership!, rings: [ring] };
    facts.qualityUpdate = { ...facts.qualityUpdate!, ring };
    if (chance(0.03)) m.lastSyncDateTime = new Date(now - (8 + random() * 30) * dayMs).toISOString();
    if (chance(0.04)) p.signatureUpdateOverdue = true;
    if (chance(0.01)) p.realTimeProtectionEnabled = false;
    if (chance(0.005)) p.malwareProtectionEnabled = false;
    if (chance(0.02)) delete p.tamperProtectionEnabled;
    if (chance(0.03)) p.lastQuickScanDateTime = new Date(now - 12 * dayMs).toISOString();
    if (chance(0.03)) m.isEncrypted = false;
    if (chance(0.02)) facts.bitLockerKeys = { ...facts.bitLockerKeys!, keys: [] };
    if (chance(0.01)) facts.defender = { asOf: facts.defender!.asOf };
    if (chance(0.02)) facts.defender!.machine &&= { ...facts.defender!.machine, healthStatus: 'Inactive' };
    if (chance(0.15)) {
      facts.qualityUpdate.status = chance(0.5) ? 'pending' : 'inProgress';
      facts.qualityUpdate.missingReleaseDate = new Date(now - random() * 20 * dayMs).toISOString();
    }
    if (chance(0.05)) m.osVersion = '10.0.22631.4602';
    if (chance(0.04)) facts.m365Apps = { ...facts.m365Apps!, version: '16.0.18025.20160' };
    if (chance(0.05)) facts.knownFolders = { ...facts.knownFolders!, pictures: false };
    if (chance(0.02)) facts.windowsHello = { ...facts.windowsHello!, provisioned: false };
    if (chance(0.01)) facts.accountProtection = { ...facts.accountProtection!, status: 'error' };
    if (chance(0.01)) {
      const [name, publisher] = securityProducts[Math.floor(random() * securityProducts.length)]!;
      facts.appInventory = {
        ...facts.appInventory!,
        apps: [...facts.appInventory!.apps, { name, publisher }],
      };
    }
    if (chance(0.02)) facts.ringMembership.rings = chance(0.5) ? [] : ['fast', 'broad'];
    if (chance(0.05))
      facts.appInventory = { ...facts.appInventory!, asOf: new Date(now - 5 * dayMs).toISOString() };
    if (chance(0.02))
      facts.reliability = { ...facts.reliability!, blueScreenCount: 1 + Math.floor(random() * 3) };
    if (chance(0.01)) delete facts.knownFolders;
    fleet.push(facts);
  }
  return fleet;
}
