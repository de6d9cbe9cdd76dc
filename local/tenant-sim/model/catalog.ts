/**
 * The static material a fleet is drawn from: Windows builds, hardware, names, countries, apps, and how
 * Defender versions advance with time. Shares approximate a 2025 enterprise Windows estate.
 */

export interface WindowsRelease {
  /** Defender's osPlatform. */
  platform: 'Windows10' | 'Windows11';
  /** Defender's `version` (feature update). */
  release: '22H2' | '23H2' | '24H2';
  build: number;
  /** Monthly cumulative-update revisions seen in the field, oldest first. */
  revisions: readonly number[];
  share: number;
}

export const windowsReleases: readonly WindowsRelease[] = [
  {
    platform: 'Windows10',
    release: '22H2',
    build: 19045,
    revisions: [4894, 5011, 5131, 5247, 5371, 5487, 5608, 5737],
    share: 0.24,
  },
  {
    platform: 'Windows11',
    release: '22H2',
    build: 22621,
    revisions: [4317, 4460, 4602, 4751, 4890],
    share: 0.07,
  },
  {
    platform: 'Windows11',
    release: '23H2',
    build: 22631,
    revisions: [4460, 4602, 4751, 4890, 5039, 5189, 5335, 5472],
    share: 0.31,
  },
  {
    platform: 'Windows11',
    release: '24H2',
    build: 26100,
    revisions: [2314, 2605, 2894, 3194, 3476, 3775, 4061, 4349],
    share: 0.38,
  },
];

export type SerialStyle = 'hp' | 'dell' | 'lenovo' | 'surface' | 'vm';

export interface HardwareModel {
  manufacturer: string;
  model: string;
  serialStyle: SerialStyle;
  hasTpm: boolean;
  diskType: 'ssd' | 'hdd';
  share: number;
}

export const hardwareModels: readonly HardwareModel[] = [
  {
    manufacturer: 'HP',
    model: 'HP EliteBook 840 G10 Notebook PC',
    serialStyle: 'hp',
    hasTpm: true,
    diskType: 'ssd',
    share: 0.14,
  },
  {
    manufacturer: 'HP',
    model: 'HP EliteBook 860 G10 Notebook PC',
    serialStyle: 'hp',
    hasTpm: true,
    diskType: 'ssd',
    share: 0.06,
  },
  {
    manufacturer: 'HP',
    model: 'HP ProBook 450 G10 Notebook PC',
    serialStyle: 'hp',
    hasTpm: true,
    diskType: 'ssd',
    share: 0.05,
  },
  {
    manufacturer: 'HP',
    model: 'HP EliteDesk 800 G9 Desktop Mini PC',
    serialStyle: 'hp',
    hasTpm: true,
    diskType: 'ssd',
    share: 0.03,
  },
  {
    manufacturer: 'Dell Inc.',
    model: 'Latitude 5440',
    serialStyle: 'dell',
    hasTpm: true,
    diskType: 'ssd',
    share: 0.12,
  },
  {
    manufacturer: 'Dell Inc.',
    model: 'Latitude 7440',
    serialStyle: 'dell',
    hasTpm: true,
    diskType: 'ssd',
    share: 0.08,
  },
  {
    manufacturer: 'Dell Inc.',
    model: 'Latitude 5550',
    serialStyle: 'dell',
    hasTpm: true,
    diskType: 'ssd',
    share: 0.05,
  },
  {
    manufacturer: 'Dell Inc.',
    model: 'OptiPlex 7010',
    serialStyle: 'dell',
    hasTpm: true,
    diskType: 'hdd',
    share: 0.03,
  },
  {
    manufacturer: 'LENOVO',
    model: '21HD003MUS',
    serialStyle: 'lenovo',
    hasTpm: true,
    diskType: 'ssd',
    share: 0.1,
  },
  {
    manufacturer: 'LENOVO',
    model: '21JK0083US',
    serialStyle: 'lenovo',
    hasTpm: true,
    diskType: 'ssd',
    share: 0.06,
  },
  {
    manufacturer: 'LENOVO',
    model: '12E3000BUS',
    serialStyle: 'lenovo',
    hasTpm: true,
    diskType: 'hdd',
    share: 0.02,
  },
  {
    manufacturer: 'Microsoft Corporation',
    model: 'Surface Laptop 5',
    serialStyle: 'surface',
    hasTpm: true,
    diskType: 'ssd',
    share: 0.07,
  },
  {
    manufacturer: 'Microsoft Corporation',
    model: 'Surface Pro 9',
    serialStyle: 'surface',
    hasTpm: true,
    diskType: 'ssd',
    share: 0.06,
  },
  {
    manufacturer: 'Microsoft Corporation',
    model: 'Surface Laptop 6 for Business',
    serialStyle: 'surface',
    hasTpm: true,
    diskType: 'ssd',
    share: 0.04,
  },
  {
    manufacturer: 'Microsoft Corporation',
    model: 'Surface Pro 10 for Business',
    serialStyle: 'surface',
    hasTpm: true,
    diskType: 'ssd',
    share: 0.03,
  },
  // Legacy desktops and VMs without a (virtual) TPM: the devices BitLocker with TPM cannot protect.
  {
    manufacturer: 'Microsoft Corporation',
    model: 'Virtual Machine',
    serialStyle: 'vm',
    hasTpm: false,
    diskType: 'ssd',
    share: 0.01,
  },
  {
    manufacturer: 'Dell Inc.',
    model: 'OptiPlex 3050',
    serialStyle: 'dell',
    hasTpm: false,
    diskType: 'hdd',
    share: 0.01,
  },
];

export const givenNames: readonly string[] = [
  'Adele',
  'Alex',
  'Allan',
  'Amara',
  'Ana',
  'Bianca',
  'Carlos',
  'Chen',
  'Christie',
  'Daniel',
  'Diego',
  'Emily',
  'Enrico',
  'Fatima',
  'Grady',
  'Hana',
  'Henrietta',
  'Ines',
  'Isaiah',
  'Jonas',
  'Joni',
  'Kenji',
  'Lara',
  'Lee',
  'Lidia',
  'Lynne',
  'Megan',
  'Miriam',
  'Nestor',
  'Nia',
  'Omar',
  'Patti',
  'Pradeep',
  'Priya',
  'Raul',
  'Sara',
  'Sven',
  'Tomas',
  'Wei',
  'Yuki',
  'Zainab',
  'Zoe',
];

export const surnames: readonly string[] = [
  'Adams',
  'Ahmed',
  'Andersen',
  'Archie',
  'Bauer',
  'Bell',
  'Costa',
  'Dubois',
  'Fischer',
  'Garcia',
  'Gupta',
  'Hansen',
  'Holt',
  'Ito',
  'Jansen',
  'Khan',
  'Kim',
  'Kowalski',
  'Lopez',
  'Martin',
  'Mensah',
  'Moreau',
  'Müller',
  'Nakamura',
  'Novak',
  'Okafor',
  'Patel',
  'Rossi',
  'Santos',
  'Schmidt',
  'Silva',
  'Singh',
  'Smith',
  'Tanaka',
  'Vance',
  'Wagner',
  'Wang',
  'Wilber',
  'Yilmaz',
  'Zhang',
];

export const jobTitles: readonly string[] = [
  'Analyst',
  'Accountant',
  'Consultant',
  'Designer',
  'Engineer',
  'HR Specialist',
  'Marketing Manager',
  'Nurse',
  'Product Manager',
  'Sales Representative',
  'Software Developer',
  'Support Specialist',
];

export const usageLocations: readonly (readonly [string, number])[] = [
  ['US', 0.4],
  ['GB', 0.14],
  ['DE', 0.1],
  ['FR', 0.08],
  ['CA', 0.07],
  ['NL', 0.05],
  ['AU', 0.05],
  ['IN', 0.05],
  ['JP', 0.03],
  ['BR', 0.03],
];

export interface CatalogApp {
  type: 'win32LobApp' | 'officeSuiteApp' | 'winGetApp' | 'windowsMicrosoftEdgeApp';
  displayName: string;
  publisher: string;
  version: string;
  /** Share of targeted devices where the install failed. */
  failureRate: number;
}

export const catalogApps: readonly CatalogApp[] = [
  {
    type: 'officeSuiteApp',
    displayName: 'Microsoft 365 Apps for enterprise',
    publisher: 'Microsoft',
    version: '16.0.18129.20158',
    failureRate: 0.015,
  },
  {
    type: 'windowsMicrosoftEdgeApp',
    displayName: 'Microsoft Edge for Windows 10 and later',
    publisher: 'Microsoft',
    version: '131.0.2903.86',
    failureRate: 0.005,
  },
  {
    type: 'winGetApp',
    displayName: 'Company Portal',
    publisher: 'Microsoft Corporation',
    version: '11.2.1002.0',
    failureRate: 0.01,
  },
  {
    type: 'win32LobApp',
    displayName: 'Microsoft Teams (work or school)',
    publisher: 'Microsoft',
    version: '24335.206.3315.1111',
    failureRate: 0.02,
  },
  {
    type: 'win32LobApp',
    displayName: '7-Zip 24.08 (x64)',
    publisher: 'Igor Pavlov',
    version: '24.08',
    failureRate: 0.01,
  },
];

/** Intune's install error seen most in the field: 0x87D1041C (the app was not detected after installation). */
export const appInstallErrorCode = -2016345060;

const hour = 3_600_000;
const publishInterval = 8 * hour;
const versionEpoch = Date.UTC(2024, 0, 1);

/** Security intelligence builds: one every 8 hours, as `1.<minor>.<build>.0` (the minor rolls over monthly). */
export function signatureVersionAt(time: number): string {
  const release = Math.max(0, Math.floor((time - versionEpoch) / publishInterval));
  const minor = 403 + Math.floor(release / 90);
  const build = 20 + (release % 90) * 17;
  return `1.${minor}.${build}.0`;
}

/** The release date of the build `signatureVersionAt(time)` names. */
export function signaturePublishedAt(time: number): number {
  return versionEpoch + Math.max(0, Math.floor((time - versionEpoch) / publishInterval)) * publishInterval;
}

function yymm(time: number): string {
  const date = new Date(time);
  return `${String(date.getUTCFullYear() % 100).padStart(2, '0')}${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Antimalware engine versions ship monthly, a month behind the calendar: `1.1.<yymm>0.<n>`. */
export function engineVersionAt(time: number): string {
  return `1.1.${yymm(time - 30 * 24 * hour)}0.3`;
}

/** Defender platform (antimalware client) versions: `4.18.<yymm>0.<n>`. */
export function platformVersionAt(time: number): string {
  return `4.18.${yymm(time - 30 * 24 * hour)}0.4`;
}

/** Microsoft 365 E5 (SPE_E5) and a few of the service plans it carries. */
export const e5Sku = {
  skuId: '06ebc4ee-1bb5-47dd-8120-11324bc54e06',
  skuPartNumber: 'SPE_E5',
  servicePlans: [
    { servicePlanId: 'efb87545-963c-4e0d-99df-69c6916d9eb0', servicePlanName: 'EXCHANGE_S_ENTERPRISE' },
    { servicePlanId: 'c1ec4a95-1f05-45b3-a911-aa3fa01094f5', servicePlanName: 'INTUNE_A' },
    { servicePlanId: 'eec0eb4f-6444-4f95-aba0-50c24d67f998', servicePlanName: 'AAD_PREMIUM_P2' },
    { servicePlanId: '871d91ec-ec1a-452b-a83f-bd76c7d770ef', servicePlanName: 'WINDEFATP' },
  ],
} as const;
