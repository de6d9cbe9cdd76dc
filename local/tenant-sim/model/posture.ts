/**
 * What a device reports beyond its lifecycle that the compliance sweep reads: the known-folder compliance script's
 * result, the primary user's Windows Hello for Business registration and admin role, a TPM override, and Intune's
 * own compliance verdict when a test wants it to disagree with the device's state (a conditional-access mismatch).
 * Unset fields keep the device's derived values, so a 100,000-device fleet carries nothing until a test seeds it.
 */
import { z } from 'zod';
import { type WindowsRelease, windowsReleases } from './catalog';
import { type SimDevice } from './device';
import { type Directory } from './directory';

export interface DevicePosture {
  knownFoldersProtected?: boolean;
  windowsHello?: boolean;
  tpmPresent?: boolean;
  /** false: Defender's daily scheduled quick scan does not run (only requested scans count). */
  scheduledQuickScans?: boolean;
  intuneCompliance?: 'compliant' | 'noncompliant';
}

const never = Number.POSITIVE_INFINITY;

/** The control API's body: posture fields plus the lifecycle facts a sweep judges, each optional. */
export const postureChangeSchema = z.strictObject({
  /** Every rule's facts made good (applied first; the other fields then seed failures on top). */
  healthy: z.boolean().optional(),
  antivirus: z.boolean().optional(),
  realTimeProtection: z.boolean().optional(),
  tamperProtection: z.boolean().optional(),
  signaturesCurrent: z.boolean().optional(),
  /** Signature updates the device is sent fail (it stays overdue whatever is tried). */
  signatureUpdateFails: z.boolean().optional(),
  encrypted: z.boolean().optional(),
  recoveryKeyEscrowed: z.boolean().optional(),
  defender: z.enum(['active', 'impaired', 'notOnboarded']).optional(),
  /** Days since the device last checked in; null: it is in use again. */
  offlineDays: z.number().min(0).nullable().optional(),
  /** The device installs its release's latest cumulative update. */
  latestQualityUpdate: z.boolean().optional(),
  knownFoldersProtected: z.boolean().optional(),
  windowsHello: z.boolean().optional(),
  tpmPresent: z.boolean().optional(),
  scheduledQuickScans: z.boolean().optional(),
  /** The feature update the device runs, e.g. `Windows11 24H2` (platform and release of the catalog). */
  windowsRelease: z.string().min(1).optional(),
  intuneCompliance: z.enum(['compliant', 'noncompliant']).nullable().optional(),
  /** Group memberships by display name (groups are created when missing), e.g. the update ring groups. */
  joinGroups: z.array(z.string().min(1)).optional(),
  leaveGroups: z.array(z.string().min(1)).optional(),
});
export type PostureChange = z.infer<typeof postureChangeSchema>;

/** Applies a change at `now`: lifecycle milestones move to `now - 1 min` (reached) or to never (lost). */
export function applyPosture(
  device: SimDevice,
  directory: Directory,
  change: PostureChange,
  now: number,
): void {
  const reached = now - 60_000;
  const posture: DevicePosture = { ...device.posture };
  if (change.healthy) {
    // Reached long enough ago that the daily scans and reports since then have happened.
    const settled = now - 2 * 24 * 3_600_000;
    device.passiveAntivirus = false;
    device.realTimeProtection = true;
    device.tamperProtection = true;
    device.failAt = null;
    device.stallAt = null;
    device.encryptedAt = Math.min(device.encryptedAt, settled);
    device.keyEscrowedAt = Math.min(device.keyEscrowedAt, settled);
    device.onboardedAt = Math.min(device.onboardedAt, settled);
    device.signaturesCurrentAt = Math.min(device.signaturesCurrentAt, settled);
    device.offlineSince = never;
    installRelease(device, latestRelease());
    Object.assign(posture, { knownFoldersProtected: true, windowsHello: true, scheduledQuickScans: true });
    if (!device.hardware.hasTpm) posture.tpmPresent = true;
    delete posture.intuneCompliance;
  }
  if (change.antivirus !== undefined) device.passiveAntivirus = !change.antivirus;
  if (change.realTimeProtection !== undefined) device.realTimeProtection = change.realTimeProtection;
  if (change.tamperProtection !== undefined) device.tamperProtection = change.tamperProtection;
  if (change.signaturesCurrent !== undefined)
    device.signaturesCurrentAt = change.signaturesCurrent
      ? Math.min(device.signaturesCurrentAt, reached)
      : never;
  if (change.signatureUpdateFails) {
    device.failAt = 'signatureUpdate';
    device.signaturesCurrentAt = never;
  }
  if (change.encrypted !== undefined) device.encryptedAt = change.encrypted ? reached : never;
  if (change.recoveryKeyEscrowed !== undefined)
    device.keyEscrowedAt = change.recoveryKeyEscrowed ? reached : never;
  if (change.defender === 'notOnboarded') device.onboardedAt = never;
  if (change.defender === 'impaired') device.failAt = 'defenderOnboarding';
  if (change.defender === 'active') {
    device.onboardedAt = Math.min(device.onboardedAt, reached);
    if (device.failAt === 'defenderOnboarding') device.failAt = null;
  }
  if (change.offlineDays !== undefined)
    device.offlineSince = change.offlineDays === null ? never : now - change.offlineDays * 24 * 3_600_000;
  if (change.latestQualityUpdate) device.installLatestQualityUpdate();
  if (change.windowsRelease !== undefined) {
    const release = windowsReleases.find(
      (entry) => `${entry.platform} ${entry.release}` === change.windowsRelease,
    );
    if (!release) throw new Error(`No Windows release '${change.windowsRelease}' in the catalog.`);
    installRelease(device, release);
  }
  for (const name of ['knownFoldersProtected', 'windowsHello', 'tpmPresent', 'scheduledQuickScans'] as const)
    if (change[name] !== undefined) posture[name] = change[name];
  if (change.intuneCompliance === null) delete posture.intuneCompliance;
  else if (change.intuneCompliance !== undefined) posture.intuneCompliance = change.intuneCompliance;
  device.posture = Object.keys(posture).length > 0 ? posture : null;
  for (const name of change.joinGroups ?? []) groupNamed(directory, name, now).members.add(device);
  for (const name of change.leaveGroups ?? [])
    directory
      .allGroups()
      .find((group) => group.settings.displayName === name)
      ?.members.delete(device);
}

/** A feature update: the release and its latest cumulative update. */
function installRelease(device: SimDevice, release: WindowsRelease): void {
  device.release = release;
  device.osRevision = release.revisions[release.revisions.length - 1] as number;
}

/** The newest release of the catalog (by build). */
function latestRelease(): WindowsRelease {
  return windowsReleases.reduce((newest, entry) => (entry.build > newest.build ? entry : newest));
}

function groupNamed(directory: Directory, displayName: string, now: number) {
  return (
    directory.allGroups().find((group) => group.settings.displayName === displayName) ??
    directory.addGroup(
      {
        displayName,
        description: null,
        mailNickname: displayName.replace(/[^A-Za-z0-9]/g, ''),
        mailEnabled: false,
        securityEnabled: true,
        groupTypes: [],
      },
      now,
    )
  );
}
