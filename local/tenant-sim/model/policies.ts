/**
 * Intune device configuration profiles (update rings among them) and compliance policies: what the app
 * posts is kept as it is; assignments decide which devices report on it, and compliance policies are
 * evaluated against each device's actual state.
 */
import { type Directory } from './directory';
import { type SimDevice } from './device';
import { ModelError, notFound } from './errors';
import { type IdSpace } from './ids';
import { combine } from './random';
import { type LifecycleDelays } from './spec';
import { type AssignmentTarget, reaches } from './targets';

export type PolicyKind = 'deviceConfiguration' | 'deviceCompliancePolicy';

export interface PolicyAssignment {
  id: string;
  target: AssignmentTarget;
  createdAt: number;
}

/** Properties the service owns; a create or update cannot set them. */
const serverOwned = new Set(['id', 'createdDateTime', 'lastModifiedDateTime', 'version', 'assignments']);

export class IntunePolicy {
  assignments: PolicyAssignment[] = [];

  constructor(
    private readonly ids: IdSpace,
    readonly kind: PolicyKind,
    readonly ordinal: number,
    /** The posted resource minus server-owned properties, `@odata.type` included. */
    public body: Record<string, unknown>,
    readonly createdAt: number,
    public modifiedAt: number,
    public version = 1,
  ) {}

  get id(): string {
    return this.ids.guid(this.ordinal);
  }

  get odataType(): string {
    return String(this.body['@odata.type']);
  }

  get displayName(): string {
    return typeof this.body.displayName === 'string' ? this.body.displayName : '';
  }
}

/** deviceConfigurationDeviceStatus / deviceComplianceDeviceStatus `status` (complianceStatus). */
export type PolicyDeviceStatus = 'unknown' | 'compliant' | 'nonCompliant' | 'error' | 'conflict';

const minute = 60_000;

function versionParts(version: string): number[] {
  return version.split('.').map((part) => Number.parseInt(part, 10) || 0);
}

function compareVersions(a: string, b: string): number {
  const left = versionParts(a);
  const right = versionParts(b);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Evaluates the windows10CompliancePolicy settings the simulator models against a device's state. */
export function isCompliant(settings: Record<string, unknown>, device: SimDevice, now: number): boolean {
  const on = (name: string): boolean => settings[name] === true;
  if ((on('bitLockerEnabled') || on('storageRequireEncryption')) && !device.isEncrypted(now)) return false;
  if ((on('tpmRequired') || on('secureBootEnabled')) && !device.hardware.hasTpm) return false;
  if ((on('defenderEnabled') || on('antivirusRequired')) && device.passiveAntivirus) return false;
  if (on('rtpEnabled') && !device.realTimeProtection) return false;
  if (on('signatureOutOfDate') && device.signatures(now).overdue) return false;
  if (
    on('deviceThreatProtectionEnabled') &&
    (!device.isOnboarded(now) || device.defenderHealth(now) !== 'Active')
  )
    return false;
  const minimum = settings.osMinimumVersion;
  if (typeof minimum === 'string' && minimum !== '' && compareVersions(device.osVersion, minimum) < 0)
    return false;
  const maximum = settings.osMaximumVersion;
  if (typeof maximum === 'string' && maximum !== '' && compareVersions(device.osVersion, maximum) > 0)
    return false;
  return true;
}

export class Policies {
  private readonly policies: Record<PolicyKind, (IntunePolicy | undefined)[]> = {
    deviceConfiguration: [],
    deviceCompliancePolicy: [],
  };

  constructor(
    private readonly directory: Directory,
    private readonly ids: Record<PolicyKind, IdSpace> & { assignments: IdSpace },
    private readonly delays: LifecycleDelays,
  ) {}

  create(kind: PolicyKind, body: Record<string, unknown>, now: number): IntunePolicy {
    const list = this.policies[kind];
    const policy = new IntunePolicy(this.ids[kind], kind, list.length, withoutServerOwned(body), now, now);
    list.push(policy);
    return policy;
  }

  all(kind: PolicyKind): IntunePolicy[] {
    return this.policies[kind].filter((policy): policy is IntunePolicy => policy !== undefined);
  }

  get(kind: PolicyKind, id: string): IntunePolicy {
    const ordinal = this.ids[kind].ordinalOf(id);
    const policy = ordinal === undefined ? undefined : this.policies[kind][ordinal];
    if (!policy) throw notFound('ResourceNotFound', `${kind} '${id}' was not found.`);
    return policy;
  }

  /** PATCH: merges the given properties; the type of a policy cannot change. */
  update(policy: IntunePolicy, changes: Record<string, unknown>, now: number): void {
    const type = changes['@odata.type'];
    if (
      type !== undefined &&
      (typeof type !== 'string' || `#${type.replace(/^#/, '')}` !== policy.odataType)
    ) {
      throw new ModelError(400, 'BadRequest', `The type of ${policy.kind} '${policy.id}' cannot be changed.`);
    }
    policy.body = { ...policy.body, ...withoutServerOwned(changes), '@odata.type': policy.odataType };
    policy.modifiedAt = now;
    policy.version++;
  }

  delete(policy: IntunePolicy): void {
    this.policies[policy.kind][policy.ordinal] = undefined;
  }

  /** The `assign` action replaces every assignment of the policy. */
  assign(policy: IntunePolicy, targets: readonly AssignmentTarget[], now: number): PolicyAssignment[] {
    policy.assignments = targets.map((target, index) => ({
      id: this.ids.assignments.guid(
        combine(policy.ordinal, policy.version, index),
        policy.kind === 'deviceConfiguration' ? 1 : 2,
      ),
      target,
      createdAt: now,
    }));
    policy.modifiedAt = now;
    return policy.assignments;
  }

  /** When the device first reports on the policy, or undefined when the policy does not reach it. */
  reportsFrom(policy: IntunePolicy, device: SimDevice, now: number): number | undefined {
    if (
      !device.isEnrolled(now) ||
      !reaches(
        policy.assignments.map((assignment) => assignment.target),
        device,
        this.directory,
      )
    )
      return undefined;
    const assignedAt = Math.max(...policy.assignments.map((assignment) => assignment.createdAt));
    return Math.max(assignedAt, device.enrolledAt) + this.delays.policyApplyMs;
  }

  deviceStatus(policy: IntunePolicy, device: SimDevice, now: number): PolicyDeviceStatus | undefined {
    const from = this.reportsFrom(policy, device, now);
    if (from === undefined) return undefined;
    if (now < from) return 'unknown';
    if (policy.kind === 'deviceCompliancePolicy')
      return isCompliant(policy.body, device, now) ? 'compliant' : 'nonCompliant';
    // A small, stable share of devices fail to apply a profile or hit a conflicting one.
    const roll = combine(policy.ordinal, device.ordinal, 0xc0f) % 1000;
    return roll < 15 ? 'error' : roll < 20 ? 'conflict' : 'compliant';
  }

  /** The time the status was last reported: the device's last check-in once it reports. */
  lastReportedAt(policy: IntunePolicy, device: SimDevice, now: number): number {
    const from = this.reportsFrom(policy, device, now) ?? now;
    return Math.max(Math.min(from, now), device.lastSyncAt(now));
  }

  /**
   * managedDevice.complianceState: the worst result of the compliance policies that reach the device; a
   * device no policy reaches counts as compliant (Intune's default tenant setting).
   */
  complianceState(
    device: SimDevice,
    now: number,
  ): 'unknown' | 'compliant' | 'noncompliant' | 'inGracePeriod' {
    let state: 'unknown' | 'compliant' | 'noncompliant' | 'inGracePeriod' = 'compliant';
    for (const policy of this.policies.deviceCompliancePolicy) {
      if (!policy) continue;
      const status = this.deviceStatus(policy, device, now);
      if (status === 'nonCompliant') return 'noncompliant';
      if (status === 'unknown')
        state = now - device.enrolledAt < 24 * 60 * minute ? 'inGracePeriod' : 'unknown';
    }
    return state;
  }
}

function withoutServerOwned(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([name]) => !serverOwned.has(name)));
}
