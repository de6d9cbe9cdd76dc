/**
 * Windows Autopilot: device imports and their asynchronous processing, the tenant's sync with the Autopilot
 * service, and deployment profiles with their group assignments.
 */
import { type Directory } from './directory';
import { type SimDevice } from './device';
import { ModelError, notFound } from './errors';
import { type IdSpace } from './ids';
import { type LifecycleDelays, type LifecycleStep } from './spec';
import { type AssignmentTarget, reaches } from './targets';

const syncCooldown = 10 * 60_000;

export interface ImportInput {
  serialNumber: string;
  groupTag: string | null;
  productKey: string | null;
  importId: string | null;
  /** Base64 of the hardware hash; an empty hash is refused by the Autopilot service. */
  hardwareIdentifier: string | null;
  assignedUserPrincipalName: string | null;
}

/** A behaviour with every default filled in. */
export interface ResolvedBehaviour {
  stallAt: LifecycleStep | null;
  failAt: LifecycleStep | null;
  registeredToOtherTenant: boolean;
  delays: LifecycleDelays;
}

export type ImportOutcome =
  | { status: 'complete'; device: SimDevice }
  | { status: 'error'; code: number; name: string }
  | { status: 'stalled' };

/** Autopilot device directory service error codes (deviceErrorCode / deviceErrorName). */
export const importErrors = {
  invalidHash: { code: 802, name: 'InvalidZtdHardwareHash' },
  alreadyAssigned: { code: 806, name: 'ZtdDeviceAlreadyAssigned' },
  assignedToOtherTenant: { code: 808, name: 'ZtdDeviceAssignedToOtherTenant' },
} as const;

export interface ImportState {
  deviceImportStatus: 'unknown' | 'pending' | 'complete' | 'error';
  deviceRegistrationId: string | null;
  deviceErrorCode: number;
  deviceErrorName: string | null;
}

export class ImportedIdentity {
  constructor(
    private readonly ids: IdSpace,
    readonly ordinal: number,
    readonly input: ImportInput,
    readonly acceptedAt: number,
    readonly pendingAt: number,
    readonly completesAt: number,
    readonly outcome: ImportOutcome,
  ) {}

  get id(): string {
    return this.ids.guid(this.ordinal);
  }

  state(now: number): ImportState {
    const waiting = { deviceRegistrationId: null, deviceErrorCode: 0, deviceErrorName: null };
    if (now < this.pendingAt) return { deviceImportStatus: 'unknown', ...waiting };
    if (now < this.completesAt || this.outcome.status === 'stalled')
      return { deviceImportStatus: 'pending', ...waiting };
    if (this.outcome.status === 'error') {
      return {
        deviceImportStatus: 'error',
        deviceRegistrationId: null,
        deviceErrorCode: this.outcome.code,
        deviceErrorName: this.outcome.name,
      };
    }
    return {
      deviceImportStatus: 'complete',
      deviceRegistrationId: this.outcome.device.autopilotId,
      deviceErrorCode: 0,
      deviceErrorName: null,
    };
  }
}

/** What Autopilot needs from its tenant. */
export interface AutopilotHost {
  /** The device currently registered with this serial number in this tenant, if any. */
  registeredDevice(serialNumber: string): SimDevice | undefined;
  /** Whether another tenant of the world holds the hardware hash. */
  registeredElsewhere(serialNumber: string): boolean;
  behaviourFor(serialNumber: string): ResolvedBehaviour;
  createImportedDevice(input: ImportInput, registeredAt: number, behaviour: ResolvedBehaviour): SimDevice;
  devices(): readonly SimDevice[];
}

export interface OobeSettings {
  hidePrivacySettings: boolean;
  hideEULA: boolean;
  userType: 'administrator' | 'standard';
  deviceUsageType: 'singleUser' | 'shared';
  skipKeyboardSelectionPage: boolean;
  hideEscapeLink: boolean;
}

export interface ProfileSettings {
  '@odata.type': string;
  displayName: string;
  description: string | null;
  locale: string;
  deviceNameTemplate: string | null;
  deviceType: string;
  preprovisioningAllowed: boolean;
  hardwareHashExtractionEnabled: boolean;
  roleScopeTagIds: string[];
  oobe: OobeSettings;
}

export interface ProfileAssignment {
  id: string;
  target: AssignmentTarget;
  createdAt: number;
}

export class AutopilotProfile {
  readonly assignments: ProfileAssignment[] = [];

  constructor(
    private readonly ids: IdSpace,
    readonly ordinal: number,
    public settings: ProfileSettings,
    readonly createdAt: number,
    public modifiedAt: number,
  ) {}

  get id(): string {
    return this.ids.guid(this.ordinal);
  }
}

export type ProfileAssignmentStatus = 'notAssigned' | 'pending' | 'assignedInSync';

export class Autopilot {
  private readonly imports: (ImportedIdentity | undefined)[] = [];
  private readonly profiles: (AutopilotProfile | undefined)[] = [];
  private lastManualSyncAt = Number.NEGATIVE_INFINITY;
  private syncCompletesAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly host: AutopilotHost,
    private readonly directory: Directory,
    private readonly ids: {
      imports: IdSpace;
      profiles: IdSpace;
      profileAssignments: IdSpace;
      settings: IdSpace;
    },
    private readonly delays: LifecycleDelays,
  ) {}

  // ── Imports ──────────────────────────────────────────────────────────────────

  /** Accepts every identity; each is processed on its own and reports its outcome through `state`. */
  importDevices(inputs: readonly ImportInput[], now: number): ImportedIdentity[] {
    return inputs.map((input) => {
      const behaviour = this.host.behaviourFor(input.serialNumber);
      const pendingAt = now + behaviour.delays.importAcceptMs;
      const completesAt = now + behaviour.delays.importCompleteMs;
      const identity = new ImportedIdentity(
        this.ids.imports,
        this.imports.length,
        input,
        now,
        pendingAt,
        completesAt,
        this.outcome(input, behaviour, completesAt),
      );
      this.imports.push(identity);
      return identity;
    });
  }

  private outcome(input: ImportInput, behaviour: ResolvedBehaviour, completesAt: number): ImportOutcome {
    if (!input.hardwareIdentifier || behaviour.failAt === 'import')
      return { status: 'error', ...importErrors.invalidHash };
    if (behaviour.registeredToOtherTenant || this.host.registeredElsewhere(input.serialNumber)) {
      return { status: 'error', ...importErrors.assignedToOtherTenant };
    }
    if (this.host.registeredDevice(input.serialNumber))
      return { status: 'error', ...importErrors.alreadyAssigned };
    if (behaviour.stallAt === 'import') return { status: 'stalled' };
    return { status: 'complete', device: this.host.createImportedDevice(input, completesAt, behaviour) };
  }

  importedIdentities(): ImportedIdentity[] {
    return this.imports.filter((identity): identity is ImportedIdentity => identity !== undefined);
  }

  importedIdentity(id: string): ImportedIdentity | undefined {
    const ordinal = this.ids.imports.ordinalOf(id);
    return ordinal === undefined ? undefined : this.imports[ordinal];
  }

  /** Deletes the import record only; a registered device stays registered. */
  deleteImportedIdentity(id: string): void {
    const identity = this.importedIdentity(id);
    if (!identity)
      throw notFound('ResourceNotFound', `importedWindowsAutopilotDeviceIdentity '${id}' was not found.`);
    this.imports[identity.ordinal] = undefined;
  }

  // ── Sync ─────────────────────────────────────────────────────────────────────

  /** Publishes every completed import; refused while one runs (409) and within 10 minutes of the last (429). */
  sync(now: number): void {
    if (now < this.syncCompletesAt)
      throw new ModelError(409, 'Conflict', 'An Autopilot sync is already in progress.');
    if (now < this.lastManualSyncAt + syncCooldown) {
      const wait = Math.ceil((this.lastManualSyncAt + syncCooldown - now) / 1000);
      throw new ModelError(
        429,
        'TooManyRequests',
        'An Autopilot sync was requested within the last 10 minutes.',
        { 'Retry-After': String(wait) },
      );
    }
    this.lastManualSyncAt = now;
    this.syncCompletesAt = now + this.delays.autopilotSyncMs;
    for (const device of this.host.devices())
      if (device.origin === 'import') device.publishBy(now, this.syncCompletesAt);
  }

  settings(now: number): {
    id: string;
    lastSyncDateTime: number | null;
    lastManualSyncTriggerDateTime: number | null;
    syncStatus: string;
  } {
    const manual = Number.isFinite(this.lastManualSyncAt) ? this.lastManualSyncAt : null;
    const completed = this.syncCompletesAt <= now ? this.syncCompletesAt : null;
    return {
      id: this.ids.settings.guid(0),
      lastSyncDateTime: Number.isFinite(completed) ? completed : null,
      lastManualSyncTriggerDateTime: manual,
      syncStatus: manual === null ? 'unknown' : now < this.syncCompletesAt ? 'inProgress' : 'completed',
    };
  }

  // ── Deployment profiles ─────────────────────────────────────────────────────

  createProfile(settings: ProfileSettings, now: number): AutopilotProfile {
    const profile = new AutopilotProfile(this.ids.profiles, this.profiles.length, settings, now, now);
    this.profiles.push(profile);
    return profile;
  }

  allProfiles(): AutopilotProfile[] {
    return this.profiles.filter((profile): profile is AutopilotProfile => profile !== undefined);
  }

  profile(id: string): AutopilotProfile | undefined {
    const ordinal = this.ids.profiles.ordinalOf(id);
    return ordinal === undefined ? undefined : this.profiles[ordinal];
  }

  requireProfile(id: string): AutopilotProfile {
    const profile = this.profile(id);
    if (!profile)
      throw notFound('ResourceNotFound', `windowsAutopilotDeploymentProfile '${id}' was not found.`);
    return profile;
  }

  updateProfile(profile: AutopilotProfile, settings: ProfileSettings, now: number): void {
    profile.settings = settings;
    profile.modifiedAt = now;
  }

  deleteProfile(profile: AutopilotProfile): void {
    if (profile.assignments.length > 0) {
      throw new ModelError(
        400,
        'BadRequest',
        'The profile is assigned to groups; remove its assignments before deleting it.',
      );
    }
    this.profiles[profile.ordinal] = undefined;
  }

  addAssignment(profile: AutopilotProfile, target: AssignmentTarget, now: number): ProfileAssignment {
    const assignment = {
      id: this.ids.profileAssignments.guid(profile.ordinal, profile.assignments.length + 1),
      target,
      createdAt: now,
    };
    profile.assignments.push(assignment);
    profile.modifiedAt = now;
    return assignment;
  }

  removeAssignment(profile: AutopilotProfile, assignmentId: string): void {
    const index = profile.assignments.findIndex((assignment) => assignment.id === assignmentId.toLowerCase());
    if (index < 0)
      throw notFound(
        'ResourceNotFound',
        `windowsAutopilotDeploymentProfileAssignment '${assignmentId}' was not found.`,
      );
    profile.assignments.splice(index, 1);
  }

  /** The profile a device gets: among those whose assignments reach it, the oldest, as Autopilot resolves it. */
  profileFor(
    device: SimDevice,
    now: number,
  ): { profile: AutopilotProfile; assignedAt: number; status: ProfileAssignmentStatus } | undefined {
    for (const profile of this.allProfiles()) {
      const reaching = profile.assignments.filter((assignment) => assignment.createdAt <= now);
      if (
        !reaches(
          reaching.map((assignment) => assignment.target),
          device,
          this.directory,
        )
      )
        continue;
      const assignedAt = Math.max(device.visibleAt, ...reaching.map((assignment) => assignment.createdAt));
      const status = now < assignedAt + this.delays.policyApplyMs ? 'pending' : 'assignedInSync';
      return { profile, assignedAt, status };
    }
    return undefined;
  }
}
