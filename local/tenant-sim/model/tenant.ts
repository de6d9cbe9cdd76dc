/**
 * One simulated customer tenant: its directory, fleet, Autopilot, Intune policies and apps, report exports
 * and Defender actions, with lookups by every identifier the APIs use.
 */
import { randomBytes } from 'node:crypto';
import { type SimAppRegistration, type SimTenantView } from '../model-port';
import { type MobileApp, catalogMobileApps } from './apps';
import { Autopilot, type ImportInput, type ResolvedBehaviour } from './autopilot';
import { windowsReleases, hardwareModels, signaturePublishedAt } from './catalog';
import { DefenderActions } from './defender';
import { type DeviceContext, type DeviceIds, DeviceTimes, type RecoveryKeyRecord, SimDevice } from './device';
import { Directory } from './directory';
import { badRequest } from './errors';
import { IdSpace } from './ids';
import { IdentitySettings } from './identity';
import { Policies } from './policies';
import { combine } from './random';
import { hashString, Random } from './random';
import { ExportJobs, type ReportSource } from './reports';
import {
  type DeviceBehaviour,
  type LifecycleDelays,
  type ValidTenantSpec,
  defaultLifecycleDelays,
} from './spec';

const day = 24 * 3_600_000;

export interface TenantHooks {
  /** Whether a tenant other than `tenantId` has the serial number registered. */
  registeredElsewhere(serialNumber: string, tenantId: string): boolean;
}

export class SimTenant implements SimTenantView {
  readonly id: string;
  readonly displayName: string;
  readonly domain: string;
  readonly seed: number;
  readonly delays: LifecycleDelays;
  /** When the generated history ends: the fleet's state is as of this time. */
  readonly asOf: number;
  readonly apps: SimAppRegistration[];
  readonly directory: Directory;
  readonly autopilot: Autopilot;
  readonly policies: Policies;
  readonly identity: IdentitySettings;
  readonly mobileApps: MobileApp[];
  readonly exportJobs: ExportJobs;
  readonly defender: DefenderActions;
  readonly deviceContext: DeviceContext;
  private readonly devices: SimDevice[] = [];
  /** The current registration of each serial number (upper case). */
  private readonly devicesBySerial = new Map<string, SimDevice>();
  /** Behaviours scripted for serial numbers not imported yet. */
  private readonly pendingBehaviours = new Map<string, DeviceBehaviour>();

  constructor(
    spec: ValidTenantSpec,
    asOf: number,
    private readonly hooks: TenantHooks,
  ) {
    this.seed = hashString(String(spec.seed));
    const space = (kind: string): IdSpace => new IdSpace(this.seed, kind);
    this.id = (spec.id ?? space('tenant').guid(0)).toLowerCase();
    this.displayName = spec.displayName;
    this.domain = spec.domain.toLowerCase();
    this.asOf = asOf;
    this.delays = { ...defaultLifecycleDelays, ...spec.lifecycle };
    this.apps = spec.apps.map((app, index) => ({
      ...app,
      clientId: (app.clientId ?? space('appRegistration').guid(index)).toLowerCase(),
      displayName: app.displayName ?? `${spec.displayName} app ${index + 1}`,
      // A registration with neither a secret nor a certificate gets a generated secret (handed out by the control API).
      ...(app.clientSecret || app.certificatePem || app.publicKeyPem
        ? {}
        : { clientSecret: randomBytes(30).toString('base64url') }),
    }));
    const ids: DeviceIds = {
      autopilot: space('autopilotDevice'),
      managedDevice: space('managedDevice'),
      aadDevice: space('aadDevice'),
      directoryObject: space('directoryObject'),
      machine: space('machine'),
      recoveryKey: space('recoveryKey'),
    };
    this.deviceContext = {
      seed: this.seed,
      ids,
      namePrefix: `${this.domain
        .replace(/[^a-z0-9]/g, '')
        .slice(0, 4)
        .toUpperCase()}-`,
      times: new DeviceTimes(spec.deviceCount),
    };
    this.directory = new Directory(this.domain, space('user'), space('group'), spec.e5.enabled, (id) =>
      this.deviceByDirectoryObjectId(id),
    );
    this.autopilot = new Autopilot(
      {
        registeredDevice: (serial) => this.registeredDevice(serial),
        registeredElsewhere: (serial) => this.hooks.registeredElsewhere(serial, this.id),
        behaviourFor: (serial) => this.behaviourFor(serial),
        createImportedDevice: (input, registeredAt, behaviour) =>
          this.createImportedDevice(input, registeredAt, behaviour),
        devices: () => this.devices,
      },
      this.directory,
      {
        imports: space('import'),
        profiles: space('autopilotProfile'),
        profileAssignments: space('profileAssignment'),
        settings: space('autopilotSettings'),
      },
      this.delays,
    );
    this.policies = new Policies(
      this.directory,
      {
        deviceConfiguration: space('deviceConfiguration'),
        deviceCompliancePolicy: space('deviceCompliancePolicy'),
        assignments: space('policyAssignment'),
      },
      this.delays,
    );
    this.identity = new IdentitySettings({
      conditionalAccess: space('conditionalAccessPolicy'),
      complianceScripts: space('deviceComplianceScript'),
    });
    this.mobileApps = catalogMobileApps(space('mobileApp'), asOf - 1000 * day);
    this.exportJobs = new ExportJobs(space('exportJob'), this.delays);
    this.defender = new DefenderActions(space('machineAction'), this.delays);
  }

  // ── Devices ──────────────────────────────────────────────────────────────────

  /** Every device record in a stable order (fleet first, then imports), whatever its state. */
  allDevices(): readonly SimDevice[] {
    return this.devices;
  }

  addDevice(device: SimDevice): void {
    if (device.ordinal !== this.devices.length)
      throw new Error(`device ordinal ${device.ordinal} out of sequence`);
    this.devices.push(device);
    this.devicesBySerial.set(device.serialNumber.toUpperCase(), device);
  }

  /** The device registered (or being registered) under a serial number, unless it was deregistered. */
  registeredDevice(serialNumber: string): SimDevice | undefined {
    const device = this.devicesBySerial.get(serialNumber.toUpperCase());
    return device && device.deletedAt === Number.POSITIVE_INFINITY ? device : undefined;
  }

  private byOrdinal(space: IdSpace, id: string, derive?: (ordinal: number) => string): SimDevice | undefined {
    const ordinal = space.ordinalOf(id, derive);
    return ordinal === undefined ? undefined : this.devices[ordinal];
  }

  deviceByManagedDeviceId(id: string): SimDevice | undefined {
    return this.byOrdinal(this.deviceContext.ids.managedDevice, id);
  }

  deviceByAutopilotId(id: string): SimDevice | undefined {
    return this.byOrdinal(this.deviceContext.ids.autopilot, id);
  }

  deviceByAadDeviceId(id: string): SimDevice | undefined {
    return this.byOrdinal(this.deviceContext.ids.aadDevice, id);
  }

  deviceByDirectoryObjectId(id: string): SimDevice | undefined {
    return this.byOrdinal(this.deviceContext.ids.directoryObject, id);
  }

  deviceByMachineId(id: string): SimDevice | undefined {
    const space = this.deviceContext.ids.machine;
    return this.byOrdinal(space, id, (ordinal) => space.hex40(ordinal));
  }

  /** A recovery key escrowed by `now`, by key id. */
  recoveryKey(id: string, now: number): { device: SimDevice; key: RecoveryKeyRecord } | undefined {
    const ordinal = this.deviceContext.ids.recoveryKey.candidateOrdinal(id);
    const device = ordinal === undefined ? undefined : this.devices[ordinal];
    const key = device
      ?.recoveryKeys(now)
      .find((candidate) => device.recoveryKeyId(candidate.generation) === id.toLowerCase());
    return device && key ? { device, key } : undefined;
  }

  /** A device by serial number or any of its ids. */
  findDevice(serialOrId: string): SimDevice | undefined {
    return (
      this.registeredDevice(serialOrId) ??
      this.deviceByManagedDeviceId(serialOrId) ??
      this.deviceByAutopilotId(serialOrId) ??
      this.deviceByAadDeviceId(serialOrId) ??
      this.deviceByDirectoryObjectId(serialOrId) ??
      this.deviceByMachineId(serialOrId)
    );
  }

  autopilotDevices(now: number): SimDevice[] {
    return this.devices.filter((device) => device.isAutopilotVisible(now));
  }

  managedDevices(now: number): SimDevice[] {
    return this.devices.filter((device) => device.isEnrolled(now));
  }

  /** Entra ID device objects: every registered device. */
  directoryDevices(now: number): SimDevice[] {
    return this.devices.filter((device) => device.isRegistered(now));
  }

  /**
   * Devices Defender knows: onboarded sensors, and fleet devices never onboarded that onboarded neighbours
   * discovered on the network (onboardingStatus CanBeOnboarded).
   */
  defenderMachines(now: number): SimDevice[] {
    return this.devices.filter((device) => this.isDefenderMachine(device, now));
  }

  isDefenderMachine(device: SimDevice, now: number): boolean {
    return device.isOnboarded(now) || (device.origin === 'fleet' && device.isEnrolled(now));
  }

  complianceState(device: SimDevice, now: number): ReturnType<Policies['complianceState']> {
    return device.posture?.intuneCompliance ?? this.policies.complianceState(device, now);
  }

  reportSource(): ReportSource {
    return {
      managedDevices: (now) => this.managedDevices(now),
      complianceState: (device, now) => this.complianceState(device, now),
      apps: () => this.mobileApps,
      configurations: () => this.policies.all('deviceConfiguration'),
      configurationStatus: (policy, device, now) => this.policies.deviceStatus(policy, device, now),
    };
  }

  /**
   * `count` managed devices not yet on their release's latest cumulative update install it (the first ones in
   * a stable order from `seed`): what a patch Tuesday does to a part of the fleet. Returns the devices changed.
   */
  installQualityUpdate(count: number, now: number, seed = 1): SimDevice[] {
    const behind = this.managedDevices(now).filter((device) => !device.isOnLatestQualityUpdate());
    const order = behind
      .map((device) => ({ device, key: combine(seed, device.ordinal, 0x9a7c) }))
      .sort((a, b) => a.key - b.key)
      .slice(0, count)
      .map((entry) => entry.device);
    for (const device of order) device.installLatestQualityUpdate();
    return order;
  }

  // ── Behaviours and imports ──────────────────────────────────────────────────

  /** Scripts a device: an existing one changes from its next unreached step, a future import from the start. */
  setBehaviour(serialOrId: string, behaviour: DeviceBehaviour, now: number): void {
    const device = this.findDevice(serialOrId);
    if (!device) {
      this.pendingBehaviours.set(serialOrId.toUpperCase(), behaviour);
      return;
    }
    const resolved = this.resolve(behaviour);
    device.applyBehaviour(resolved.stallAt, resolved.failAt, resolved.delays, now);
  }

  private resolve(behaviour: DeviceBehaviour | undefined): ResolvedBehaviour {
    return {
      stallAt: behaviour?.stallAt ?? null,
      failAt: behaviour?.failAt ?? null,
      registeredToOtherTenant: behaviour?.registeredToOtherTenant ?? false,
      delays: { ...this.delays, ...behaviour?.delays },
    };
  }

  private behaviourFor(serialNumber: string): ResolvedBehaviour {
    return this.resolve(this.pendingBehaviours.get(serialNumber.toUpperCase()));
  }

  /** A device registered by an import: hardware and OS follow from its hash, its user from the import. */
  private createImportedDevice(
    input: ImportInput,
    registeredAt: number,
    behaviour: ResolvedBehaviour,
  ): SimDevice {
    const random = new Random(
      hashString(`${this.seed}:${input.serialNumber}:${input.hardwareIdentifier ?? ''}`),
    );
    const hardware = random.weighted(
      hardwareModels.filter((model) => model.hasTpm).map((model) => [model, model.share] as const),
    );
    const release = random.weighted(windowsReleases.map((entry) => [entry, entry.share] as const));
    const user = input.assignedUserPrincipalName
      ? (this.directory.user(input.assignedUserPrincipalName) ?? null)
      : null;
    const device = new SimDevice(
      this.deviceContext,
      this.devices.length,
      'import',
      input.serialNumber,
      hardware,
      release,
      release.revisions[release.revisions.length - 1] as number,
      user,
      input.groupTag,
      behaviour.delays,
    );
    device.stallAt = behaviour.stallAt;
    device.failAt = behaviour.failAt;
    device.registeredAt = registeredAt;
    // Until it first updates, the device has the definitions of its factory image, a couple of months old.
    device.staleSignaturesFrom = signaturePublishedAt(registeredAt - 60 * day);
    device.planFrom(registeredAt + behaviour.delays.autopilotAutoSyncMs);
    this.addDevice(device);
    return device;
  }

  /** Deregisters the Autopilot device; the serial number can be imported again afterwards. */
  deleteAutopilotDevice(device: SimDevice, now: number): void {
    if (device.isEnrolled(now)) {
      throw badRequest(
        'BadRequest',
        'The device is still enrolled in Intune. Delete the managed device before deregistering it from Autopilot.',
      );
    }
    device.deletedAt = now;
  }
}
