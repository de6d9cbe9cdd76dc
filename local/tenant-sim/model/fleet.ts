/**
 * Generates a tenant's existing estate from its seed: users, devices with their history up to `asOf`,
 * update-ring groups, E5 licences, the compliance policy the estate is measured against, and apps.
 * Each device draws from its own random stream, so the result depends only on (seed, index).
 */
import {
  type HardwareModel,
  type SerialStyle,
  givenNames,
  hardwareModels,
  jobTitles,
  signaturePublishedAt,
  surnames,
  usageLocations,
  windowsReleases,
} from './catalog';
import { SimDevice } from './device';
import { type SimUser } from './directory';
import { Random, combine } from './random';
import { type ValidTenantSpec } from './spec';
import { type SimTenant } from './tenant';

const minute = 60_000;
const day = 24 * 60 * minute;
const never = Number.POSITIVE_INFINITY;

/** Managed Desktop's rings, smallest first. */
export const defaultUpdateRings = [
  { name: 'Test', share: 0.01 },
  { name: 'First', share: 0.05 },
  { name: 'Fast', share: 0.15 },
  { name: 'Broad', share: 0.79 },
] as const;

const letters = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const alphanumerics = `0123456789${letters}`;

function characters(random: Random, alphabet: string, count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += alphabet[random.int(0, alphabet.length - 1)];
  return out;
}

/** Serial numbers in each maker's format (HP 10 characters from 5CG, Dell service tags, Lenovo PF…, Surface 12 digits). */
function serialNumber(style: SerialStyle, random: Random): string {
  switch (style) {
    case 'hp':
      return `5CG${characters(random, '0123456789', 4)}${characters(random, alphanumerics, 3)}`;
    case 'dell':
      return characters(random, alphanumerics, 7);
    case 'lenovo':
      return `PF${characters(random, alphanumerics, 6)}`;
    case 'surface':
      return `0${characters(random, '0123456789', 11)}`;
    case 'vm':
      return [4, 4, 4, 4, 4, 4, 2].map((length) => characters(random, '0123456789', length)).join('-');
  }
}

function ascii(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

const hardwareWeights = hardwareModels.map((model) => [model, model.share] as const);
const releaseWeights = windowsReleases.map((entry) => [entry, entry.share] as const);
const upnGivenNames = new Map(givenNames.map((name) => [name, ascii(name)]));
const upnSurnames = new Map(surnames.map((name) => [name, ascii(name)]));

export function generateFleet(tenant: SimTenant, spec: ValidTenantSpec): void {
  const asOf = tenant.asOf;
  const rings = (spec.updateRings ?? defaultUpdateRings).map((ring) => ({
    share: ring.share,
    group: tenant.directory.addGroup(
      {
        displayName: `Modern Workplace Devices-${ring.name}`,
        description: `Update ring ${ring.name}`,
        mailNickname: `MWDevices${ring.name.replace(/[^A-Za-z0-9]/g, '')}`,
        mailEnabled: false,
        securityEnabled: true,
        groupTypes: [],
      },
      asOf - 1000 * day,
    ),
  }));
  const ringWeights = rings.map((ring) => [ring.group, ring.share] as const);
  const upnCounts = new Map<string, number>();
  const licensable: SimUser[] = [];

  for (let index = 0; index < spec.deviceCount; index++) {
    const random = new Random(combine(tenant.seed, index, 0xf1ee7));
    const user = generateUser(tenant, random, upnCounts, asOf);
    if (user.usageLocation) licensable.push(user);
    // A few devices are shared (kiosks, meeting rooms): no primary user.
    const device = generateDevice(tenant, index, random, random.chance(0.04) ? null : user);
    tenant.addDevice(device);
    random.weighted(ringWeights).members.add(device);
  }

  const e5 = tenant.directory.skus[0];
  if (e5) {
    const seats = Math.min(spec.e5.consumed, licensable.length);
    for (const user of licensable.slice(0, seats))
      tenant.directory.assignLicenses(user, [{ skuId: e5.skuId, disabledPlans: [] }], []);
  }
  createEstatePolicies(tenant, asOf);
}

function generateUser(
  tenant: SimTenant,
  random: Random,
  upnCounts: Map<string, number>,
  asOf: number,
): SimUser {
  const givenName = random.pick(givenNames);
  const surname = random.pick(surnames);
  const base = `${upnGivenNames.get(givenName) as string}.${upnSurnames.get(surname) as string}`;
  const seen = upnCounts.get(base) ?? 0;
  upnCounts.set(base, seen + 1);
  return tenant.directory.addUser(
    {
      userPrincipalName: `${seen === 0 ? base : `${base}${seen + 1}`}@${tenant.domain}`,
      displayName: `${givenName} ${surname}`,
      givenName,
      surname,
      jobTitle: random.pick(jobTitles),
      // Accounts synced without a country: licence assignment fails for them until usageLocation is set.
      usageLocation: random.chance(0.05) ? null : random.weighted(usageLocations),
      accountEnabled: true,
    },
    asOf - random.int(60, 1500) * day,
  );
}

function generateDevice(tenant: SimTenant, index: number, random: Random, user: SimUser | null): SimDevice {
  const hardware: HardwareModel = random.weighted(hardwareWeights);
  const release = random.weighted(releaseWeights);
  // Most devices run one of the latest cumulative updates; a tail lags months behind.
  const revisions = release.revisions;
  const revision = revisions[
    Math.max(0, revisions.length - 1 - Math.floor(random.next() ** 3 * revisions.length))
  ] as number;
  let serial = serialNumber(hardware.serialStyle, random);
  while (tenant.registeredDevice(serial)) serial = serialNumber(hardware.serialStyle, random);

  const device = new SimDevice(
    tenant.deviceContext,
    index,
    'fleet',
    serial,
    hardware,
    release,
    revision,
    user,
    'Microsoft365Managed_Standard',
    tenant.delays,
  );
  const asOf = tenant.asOf;
  device.registeredAt = asOf - random.int(30, 900) * day - random.int(0, day);
  device.visibleAt = device.registeredAt + random.int(5, 60) * minute;
  // Devices reach their users days or weeks after the vendor registered them.
  device.enrolledAt = Math.min(asOf - day, device.visibleAt + random.int(1, 21) * day);

  if (hardware.hasTpm) {
    const roll = random.next();
    if (roll < 0.965) device.encryptedAt = device.enrolledAt + random.int(15, 45) * minute;
    else if (roll < 0.975) {
      device.failAt = 'encryption';
      device.encryptedAt = device.enrolledAt + random.int(15, 45) * minute;
    }
  }
  if (device.isEncrypted(asOf)) {
    device.keyEscrowedAt = random.chance(0.985) ? device.encryptedAt + random.int(1, 5) * minute : never;
  }
  device.onboardedAt = random.chance(0.975) ? device.enrolledAt + random.int(10, 60) * minute : never;
  if (device.onboardedAt !== never && device.failAt === null && random.chance(0.015))
    device.failAt = 'defenderOnboarding';
  // Defender Antivirus updates its definitions whether or not the device is onboarded to Defender for Endpoint.
  device.signaturesCurrentAt = random.chance(0.95) ? device.enrolledAt + random.int(60, 180) * minute : never;
  device.staleSignaturesFrom = signaturePublishedAt(asOf - random.int(8, 45) * day);
  if (random.chance(0.06)) {
    const lastMilestone = [
      device.enrolledAt,
      device.encryptedAt,
      device.keyEscrowedAt,
      device.onboardedAt,
      device.signaturesCurrentAt,
    ]
      .filter(Number.isFinite)
      .reduce((latest, time) => Math.max(latest, time), 0);
    device.offlineSince = Math.max(lastMilestone + day, asOf - random.int(8, 120) * day);
  }
  device.realTimeProtection = random.chance(0.985);
  device.tamperProtection = random.chance(0.97);
  device.passiveAntivirus = random.chance(0.01);
  return device;
}

/** The compliance policy the estate already reports against, and the apps it already has. */
function createEstatePolicies(tenant: SimTenant, asOf: number): void {
  const createdAt = asOf - 1000 * day;
  const policy = tenant.policies.create(
    'deviceCompliancePolicy',
    {
      '@odata.type': '#microsoft.graph.windows10CompliancePolicy',
      displayName: 'Windows 10/11 compliance baseline',
      description: 'Encryption, antivirus and real-time protection',
      bitLockerEnabled: true,
      defenderEnabled: true,
      rtpEnabled: true,
      antivirusRequired: true,
      signatureOutOfDate: true,
      scheduledActionsForRule: [
        {
          ruleName: 'PasswordRequired',
          scheduledActionConfigurations: [{ actionType: 'block', gracePeriodHours: 0 }],
        },
      ],
    },
    createdAt,
  );
  tenant.policies.assign(
    policy,
    [{ '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' }],
    createdAt,
  );
}
