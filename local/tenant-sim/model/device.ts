/**
 * One Windows device across Autopilot, Entra ID, Intune and Defender. Its state is a set of milestone
 * times on the scenario clock plus a few flags; every observable value is derived from them at the time of
 * the request, so no timers run and a 100,000-device tenant costs one small object per device.
 *
 * Timeline of an imported device: registered (import complete) → visible as an Autopilot device (after a
 * sync) → enrolled → encrypted → recovery key escrowed, and in parallel enrolled → onboarded to Defender →
 * definitions current. A behaviour can stall a step (its time is never reached) or fail it.
 */
import { type HardwareModel, type WindowsRelease, signatureVersionAt } from './catalog';
import { ModelError } from './errors';
import { type IdSpace } from './ids';
import { combine } from './random';
import { type LifecycleDelays, type LifecycleStep } from './spec';
import { type SimUser } from './directory';
import { type DevicePosture } from './posture';

const hour = 3_600_000;
const day = 24 * hour;
/** Intune devices check in about every 8 hours. */
const checkInPeriod = 8 * hour;
/** Defender sensors send a full report about every 24 hours; scheduled quick scans run daily. */
const reportPeriod = day;
/** Defender calls a sensor Inactive once it has not reported for 7 days. */
const inactiveAfter = 7 * day;
const never = Number.POSITIVE_INFINITY;

/** The id spaces one tenant derives its device identifiers from. */
export interface DeviceIds {
  autopilot: IdSpace;
  managedDevice: IdSpace;
  /** Entra ID `deviceId` (= Intune `azureADDeviceId`, Defender `aadDeviceId`, BitLocker key `deviceId`). */
  aadDevice: IdSpace;
  /** Entra ID device object id (what group membership refers to). */
  directoryObject: IdSpace;
  machine: IdSpace;
  recoveryKey: IdSpace;
}

export interface DeviceContext {
  seed: number;
  ids: DeviceIds;
  /** Prefix of device names, e.g. `CONT-`. */
  namePrefix: string;
  times: DeviceTimes;
}

/** The milestone times each device keeps (epoch ms; +Infinity = not reached / never). */
const timeFields = [
  'registeredAt',
  'visibleAt',
  'enrolledAt',
  'encryptedAt',
  'keyEscrowedAt',
  'onboardedAt',
  'signaturesCurrentAt',
  'deletedAt',
  'offlineSince',
  'staleSignaturesFrom',
] as const;
type TimeField = (typeof timeFields)[number];

/**
 * Every device's milestone times in one Float64Array per tenant: 100,000 devices cost 8 MB here instead of a
 * million boxed numbers on the heap. SimDevice exposes them as ordinary properties.
 */
export class DeviceTimes {
  private data: Float64Array;

  constructor(expectedDevices: number) {
    this.data = new Float64Array(timeFields.length * Math.max(64, expectedDevices + 64));
  }

  read(ordinal: number, slot: number): number {
    return this.data[ordinal * timeFields.length + slot] as number;
  }

  write(ordinal: number, slot: number, value: number): void {
    const index = ordinal * timeFields.length + slot;
    if (index >= this.data.length) {
      const grown = new Float64Array(Math.max(this.data.length * 2, index + timeFields.length));
      grown.set(this.data);
      this.data = grown;
    }
    this.data[index] = value;
  }
}

export type DeviceOrigin = 'fleet' | 'import';
export type IntuneActionName =
  | 'syncDevice'
  | 'windowsDefenderScan'
  | 'windowsDefenderUpdateSignatures'
  | 'rotateBitLockerKeys';
type ActionName = IntuneActionName | 'defenderScan';

export interface DeviceAction {
  name: ActionName;
  requestedAt: number;
  completesAt: number;
  failed: boolean;
  /** For scans: a full scan rather than a quick one. */
  fullScan?: boolean;
}

export interface RecoveryKeyRecord {
  generation: number;
  escrowedAt: number;
}

export interface SignatureState {
  version: string;
  updatedAt: number;
  overdue: boolean;
}

export type DefenderHealth = 'Active' | 'Inactive' | 'ImpairedCommunication';

export interface DeviceTimeline {
  registeredAt: number;
  visibleAt: number;
  enrolledAt: number;
  encryptedAt: number;
  keyEscrowedAt: number;
  onboardedAt: number;
  signaturesCurrentAt: number;
}

/** The last tick of a periodic event with the given phase at or before `time`. */
function lastTick(time: number, phase: number, period: number): number {
  const since = (((time - phase) % period) + period) % period;
  return time - since;
}

export class SimDevice {
  // Milestones, stored in the tenant's DeviceTimes (accessors defined below the class).
  declare registeredAt: number;
  declare visibleAt: number;
  declare enrolledAt: number;
  declare encryptedAt: number;
  declare keyEscrowedAt: number;
  declare onboardedAt: number;
  declare signaturesCurrentAt: number;
  /** When the Autopilot registration was deleted. */
  declare deletedAt: number;
  /** When the device stopped checking in (powered off, lost); never while it is in use. */
  declare offlineSince: number;
  /** Publish time of the definitions the device has until it first gets current ones. */
  declare staleSignaturesFrom: number;
  stallAt: LifecycleStep | null = null;
  failAt: LifecycleStep | null = null;
  realTimeProtection = true;
  tamperProtection = true;
  passiveAntivirus = false;
  /** What the compliance sweep reads beyond the lifecycle, as seeded by the control API (model/posture.ts). */
  posture: DevicePosture | null = null;
  private rotations: number[] | null = null;
  private actions: DeviceAction[] | null = null;

  constructor(
    private readonly context: DeviceContext,
    readonly ordinal: number,
    readonly origin: DeviceOrigin,
    readonly serialNumber: string,
    readonly hardware: HardwareModel,
    /** The feature update installed; a seeded feature update (model/posture.ts) moves it. */
    public release: WindowsRelease,
    /** The cumulative update installed; `installLatestQualityUpdate` moves it on. */
    public osRevision: number,
    public primaryUser: SimUser | null,
    public groupTag: string | null,
    public delays: LifecycleDelays,
  ) {
    for (const field of timeFields) this[field] = never;
    this.staleSignaturesFrom = 0;
  }

  /** The tenant's store of milestone times. */
  get times(): DeviceTimes {
    return this.context.times;
  }

  get autopilotId(): string {
    return this.context.ids.autopilot.guid(this.ordinal);
  }

  get managedDeviceId(): string {
    return this.context.ids.managedDevice.guid(this.ordinal);
  }

  get azureADDeviceId(): string {
    return this.context.ids.aadDevice.guid(this.ordinal);
  }

  get directoryObjectId(): string {
    return this.context.ids.directoryObject.guid(this.ordinal);
  }

  get machineId(): string {
    return this.context.ids.machine.hex40(this.ordinal);
  }

  get deviceName(): string {
    return `${this.context.namePrefix}${this.serialNumber.slice(-8)}`.slice(0, 15);
  }

  get osVersion(): string {
    return `10.0.${this.release.build}.${this.osRevision}`;
  }

  /** A stable per-device offset into periodic schedules, so devices do not all check in at once. */
  phase(salt: number, period: number): number {
    return combine(this.context.seed, this.ordinal, salt) % period;
  }

  /** Whether the device runs its release's latest cumulative update. */
  isOnLatestQualityUpdate(): boolean {
    return this.osRevision === this.release.revisions[this.release.revisions.length - 1];
  }

  /** The device installs its release's latest cumulative update (what a patch Tuesday does to a fleet). */
  installLatestQualityUpdate(): boolean {
    const latest = this.release.revisions[this.release.revisions.length - 1] as number;
    if (this.osRevision === latest) return false;
    this.osRevision = latest;
    return true;
  }

  // ── Lifecycle ────────────────────────────────────────────────────────────────

  /**
   * Plans every step from the moment the device shows up as an Autopilot device. Steps a behaviour stalls,
   * and the steps that depend on them, are never reached.
   */
  planFrom(visibleAt: number): void {
    const d = this.delays;
    const reach = (step: LifecycleStep, at: number): number => (this.stallAt === step ? never : at);
    const succeeded = (step: LifecycleStep, at: number): number => (this.failAt === step ? never : at);
    this.visibleAt = visibleAt;
    this.enrolledAt = reach('enrollment', visibleAt + d.enrollmentMs);
    const enrolled = succeeded('enrollment', this.enrolledAt);
    this.encryptedAt = this.hardware.hasTpm ? reach('encryption', enrolled + d.encryptionMs) : never;
    this.keyEscrowedAt = succeeded(
      'keyEscrow',
      reach('keyEscrow', succeeded('encryption', this.encryptedAt) + d.keyEscrowMs),
    );
    this.onboardedAt = reach('defenderOnboarding', enrolled + d.defenderOnboardingMs);
    this.signaturesCurrentAt =
      this.failAt === 'signatureUpdate'
        ? never
        : reach('signatureUpdate', this.onboardedAt + d.signatureUpdateMs);
  }

  /** A new behaviour changes only the steps the device has not reached by `now`. */
  applyBehaviour(
    stallAt: LifecycleStep | null,
    failAt: LifecycleStep | null,
    delays: LifecycleDelays,
    now: number,
  ): void {
    const before: DeviceTimeline = this.timeline();
    this.stallAt = stallAt;
    this.failAt = failAt;
    this.delays = delays;
    if (this.visibleAt === never) return;
    this.planFrom(this.visibleAt);
    const keepReached = (key: keyof DeviceTimeline): void => {
      if (before[key] <= now) this[key] = before[key];
    };
    (['enrolledAt', 'encryptedAt', 'keyEscrowedAt', 'onboardedAt', 'signaturesCurrentAt'] as const).forEach(
      keepReached,
    );
  }

  /** An Autopilot sync at `syncedAt` publishes the device if it was registered by then. */
  publishBy(registeredBy: number, visibleAt: number): void {
    if (this.registeredAt <= registeredBy && visibleAt < this.visibleAt) this.planFrom(visibleAt);
  }

  timeline(): DeviceTimeline {
    const {
      registeredAt,
      visibleAt,
      enrolledAt,
      encryptedAt,
      keyEscrowedAt,
      onboardedAt,
      signaturesCurrentAt,
    } = this;
    return {
      registeredAt,
      visibleAt,
      enrolledAt,
      encryptedAt,
      keyEscrowedAt,
      onboardedAt,
      signaturesCurrentAt,
    };
  }

  isRegistered(now: number): boolean {
    return this.registeredAt <= now && now < this.deletedAt;
  }

  isAutopilotVisible(now: number): boolean {
    return this.visibleAt <= now && now < this.deletedAt;
  }

  enrollmentState(now: number): 'notContacted' | 'enrolled' | 'failed' {
    if (this.enrolledAt > now) return 'notContacted';
    return this.failAt === 'enrollment' ? 'failed' : 'enrolled';
  }

  isEnrolled(now: number): boolean {
    return this.enrollmentState(now) === 'enrolled';
  }

  isEncrypted(now: number): boolean {
    return this.encryptedAt <= now && this.failAt !== 'encryption';
  }

  /** The TPM Intune reports (`hardwareInformation`), unless a test seeded otherwise. */
  get hasTpm(): boolean {
    return this.posture?.tpmPresent ?? this.hardware.hasTpm;
  }

  isOnboarded(now: number): boolean {
    return this.onboardedAt <= now;
  }

  /** When the device last talked to the cloud (now, unless it went offline). */
  lastContact(now: number): number {
    return Math.min(now, this.offlineSince);
  }

  lastSyncAt(now: number): number {
    const contact = this.lastContact(now);
    let last = Math.max(this.enrolledAt, lastTick(contact, this.phase(1, checkInPeriod), checkInPeriod));
    for (const action of this.completedActions(now))
      if (action.name === 'syncDevice') last = Math.max(last, action.completesAt);
    return Math.min(last, contact);
  }

  defenderHealth(now: number): DefenderHealth {
    if (this.failAt === 'defenderOnboarding') return 'ImpairedCommunication';
    return now - this.lastSeenAt(now) > inactiveAfter ? 'Inactive' : 'Active';
  }

  /** Defender's lastSeen: the last full sensor report. */
  lastSeenAt(now: number): number {
    return Math.max(
      this.onboardedAt,
      lastTick(this.lastContact(now), this.phase(2, reportPeriod), reportPeriod),
    );
  }

  signatures(now: number): SignatureState {
    if (this.signaturesCurrentAt > now) {
      return {
        version: signatureVersionAt(this.staleSignaturesFrom),
        updatedAt: this.staleSignaturesFrom,
        overdue: true,
      };
    }
    // Current devices pull each new build (every 8 hours) at their next check-in, as reported at last contact.
    const updatedAt = Math.max(
      this.signaturesCurrentAt,
      lastTick(this.lastContact(now), this.phase(1, checkInPeriod), checkInPeriod),
    );
    return { version: signatureVersionAt(updatedAt), updatedAt, overdue: false };
  }

  lastQuickScanAt(now: number): number | null {
    return this.lastScanAt(now, 'quick');
  }

  lastFullScanAt(now: number): number | null {
    return this.lastScanAt(now, 'full');
  }

  private lastScanAt(now: number, kind: 'quick' | 'full'): number | null {
    const since = Math.max(this.enrolledAt, this.onboardedAt === never ? this.enrolledAt : this.onboardedAt);
    // Defender's scheduled scan: a quick scan daily; the fleet runs no scheduled full scans.
    const scheduled = kind === 'quick' && this.posture?.scheduledQuickScans !== false;
    let last = scheduled ? lastTick(this.lastContact(now), this.phase(3, day), day) : Number.NEGATIVE_INFINITY;
    if (last < since) last = Number.NEGATIVE_INFINITY;
    for (const action of this.completedActions(now)) {
      const isScan = action.name === 'windowsDefenderScan' || action.name === 'defenderScan';
      if (isScan && !action.failed && (action.fullScan === true) === (kind === 'full'))
        last = Math.max(last, action.completesAt);
    }
    return Number.isFinite(last) ? last : null;
  }

  // ── BitLocker recovery keys ──────────────────────────────────────────────────

  /** Keys escrowed to Entra ID by `now`: the first one after encryption, then one per completed rotation. */
  recoveryKeys(now: number): RecoveryKeyRecord[] {
    const keys: RecoveryKeyRecord[] = [];
    if (this.keyEscrowedAt <= now) keys.push({ generation: 0, escrowedAt: this.keyEscrowedAt });
    (this.rotations ?? []).forEach((escrowedAt, index) => {
      if (escrowedAt <= now) keys.push({ generation: index + 1, escrowedAt });
    });
    return keys;
  }

  recoveryKeyId(generation: number): string {
    return this.context.ids.recoveryKey.guid(this.ordinal, generation);
  }

  /** The 48-digit recovery password: eight groups of six digits, each group a multiple of 11 as BitLocker's are. */
  recoveryPassword(generation: number): string {
    const groups: string[] = [];
    for (let i = 0; i < 8; i++) {
      const block = combine(this.context.seed, this.ordinal, generation, 100 + i) % 65536;
      groups.push(String(block * 11).padStart(6, '0'));
    }
    return groups.join('-');
  }

  // ── Actions ──────────────────────────────────────────────────────────────────

  /** Intune device actions, as `deviceActionResults` reports them. */
  intuneActions(): readonly DeviceAction[] {
    return (this.actions ?? []).filter((action) => action.name !== 'defenderScan');
  }

  private completedActions(now: number): DeviceAction[] {
    return (this.actions ?? []).filter((action) => action.completesAt <= now);
  }

  private record(
    name: ActionName,
    now: number,
    takes: number,
    failed: boolean,
    fullScan?: boolean,
  ): DeviceAction {
    // A device that is offline never picks the action up.
    const completesAt = now >= this.offlineSince ? never : now + takes;
    const action: DeviceAction = {
      name,
      requestedAt: now,
      completesAt,
      failed,
      ...(fullScan === undefined ? {} : { fullScan }),
    };
    (this.actions ??= []).push(action);
    return action;
  }

  private requireEnrolled(now: number): void {
    if (!this.isEnrolled(now))
      throw new ModelError(
        404,
        'ResourceNotFound',
        `The managed device ${this.managedDeviceId} is not enrolled.`,
      );
  }

  syncDevice(now: number): void {
    this.requireEnrolled(now);
    this.record('syncDevice', now, this.delays.deviceActionMs, false);
  }

  windowsDefenderScan(now: number, quickScan: boolean): void {
    this.requireEnrolled(now);
    this.record(
      'windowsDefenderScan',
      now,
      this.delays.deviceActionMs + this.delays.antivirusScanMs,
      false,
      !quickScan,
    );
  }

  /** Definitions become current once the device has fetched them, unless the update is scripted to fail. */
  windowsDefenderUpdateSignatures(now: number): void {
    this.requireEnrolled(now);
    const failed = this.failAt === 'signatureUpdate';
    const action = this.record(
      'windowsDefenderUpdateSignatures',
      now,
      this.delays.deviceActionMs + this.delays.signatureUpdateMs,
      failed,
    );
    if (!failed) this.signaturesCurrentAt = Math.min(this.signaturesCurrentAt, action.completesAt);
  }

  /** A new recovery key is escrowed when the device runs the rotation; it fails on an unencrypted device. */
  rotateBitLockerKeys(now: number): void {
    this.requireEnrolled(now);
    const failed = this.failAt === 'keyEscrow' || !this.isEncrypted(now);
    const action = this.record(
      'rotateBitLockerKeys',
      now,
      this.delays.deviceActionMs + this.delays.keyRotationMs,
      failed,
    );
    if (!failed && Number.isFinite(action.completesAt)) (this.rotations ??= []).push(action.completesAt);
  }

  /** A Defender antivirus scan that the sensor finishes at `completesAt`. */
  recordDefenderScan(now: number, completesAt: number, fullScan: boolean): void {
    (this.actions ??= []).push({
      name: 'defenderScan',
      requestedAt: now,
      completesAt,
      failed: false,
      fullScan,
    });
  }
}

timeFields.forEach((field: TimeField, slot) => {
  Object.defineProperty(SimDevice.prototype, field, {
    get(this: SimDevice): number {
      return this.times.read(this.ordinal, slot);
    },
    set(this: SimDevice, value: number): void {
      this.times.write(this.ordinal, slot, value);
    },
  });
});
