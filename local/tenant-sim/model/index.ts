/**
 * The simulator's resource model: a world of tenants on one scenario clock. The HTTP framework reaches it
 * through `SimModel` (model-port.ts); route handlers through the tenant of the request's token.
 */
import { type Clock } from '@mds/platform-kit';
import { type SimModel } from '../model-port';
import { applyTenantChange } from './changes';
import { generateFleet } from './fleet';
import { type TenantChange } from './identity';
import { allPermissions } from './permissions';
import { applyPosture, type PostureChange, postureChangeSchema } from './posture';
import { combine } from './random';
import { type DeviceBehaviour, type TenantSpec, parseDeviceBehaviour, parseTenantSpec } from './spec';
import { SimTenant } from './tenant';

export { SimTenant } from './tenant';
export { type PostureChange } from './posture';
export { type TenantChange } from './identity';
export { SimDevice } from './device';
export { SimUser, SimGroup } from './directory';
export { ModelError } from './errors';
export { Permission, allPermissions } from './permissions';
export { importErrors } from './autopilot';
export {
  type TenantSpec,
  type DeviceBehaviour,
  type LifecycleDelays,
  type LifecycleStep,
  InvalidSpecError,
  defaultLifecycleDelays,
  lifecycleSteps,
} from './spec';

/** A tenant id or domain already taken. */
export class TenantConflictError extends Error {
  constructor(what: string) {
    super(`A tenant with ${what} already exists.`);
    this.name = 'TenantConflictError';
  }
}

/** A tenant the world does not have. */
export class UnknownTenantError extends Error {
  constructor(tenantId: string) {
    super(`Tenant '${tenantId}' does not exist.`);
    this.name = 'UnknownTenantError';
  }
}

export class SimWorld implements SimModel {
  private readonly byId = new Map<string, SimTenant>();
  private readonly byDomain = new Map<string, SimTenant>();

  constructor(readonly clock: Clock) {}

  /** Validates the spec (JSON from the control API is fine), generates the fleet, and adds the tenant. */
  createTenant(spec: TenantSpec): SimTenant {
    const valid = parseTenantSpec(spec);
    const tenant = new SimTenant(valid, valid.asOf ?? this.clock.now(), {
      registeredElsewhere: (serial, tenantId) =>
        [...this.byId.values()].some(
          (other) => other.id !== tenantId && other.registeredDevice(serial) !== undefined,
        ),
    });
    if (this.byId.has(tenant.id)) throw new TenantConflictError(`id ${tenant.id}`);
    if (this.byDomain.has(tenant.domain)) throw new TenantConflictError(`domain ${tenant.domain}`);
    generateFleet(tenant, valid);
    this.byId.set(tenant.id, tenant);
    this.byDomain.set(tenant.domain, tenant);
    return tenant;
  }

  /** By tenant id or by domain, as `login.microsoftonline.com/{tenant}` accepts either. */
  tenant(idOrDomain: string): SimTenant | undefined {
    const key = idOrDomain.toLowerCase();
    return this.byId.get(key) ?? this.byDomain.get(key);
  }

  tenants(): SimTenant[] {
    return [...this.byId.values()];
  }

  /**
   * Scripts one device by serial number (or any of its ids). A device not imported yet gets the behaviour
   * when it is; an existing one changes from its next unreached step.
   */
  setDeviceBehaviour(tenantId: string, serialOrId: string, behaviour: DeviceBehaviour): void {
    const tenant = this.tenant(tenantId);
    if (!tenant) throw new UnknownTenantError(tenantId);
    tenant.setBehaviour(serialOrId, parseDeviceBehaviour(behaviour), this.clock.now());
  }

  /** Scripts report export faults: jobs that end `failed`, download links refused as expired. */
  scriptExports(tenantId: string, script: ExportScript): void {
    const tenant = this.tenant(tenantId);
    if (!tenant) throw new UnknownTenantError(tenantId);
    if (script.failNext) tenant.exportJobs.failNext(script.failNext.count, script.failNext.reportName);
    if (script.expireNextDownloads !== undefined)
      tenant.exportJobs.expireNextDownloads(script.expireNextDownloads);
  }

  /** `count` devices install their release's latest cumulative update now; returns their managed device ids. */
  installQualityUpdate(tenantId: string, count: number, seed?: number): string[] {
    const tenant = this.tenant(tenantId);
    if (!tenant) throw new UnknownTenantError(tenantId);
    return tenant.installQualityUpdate(count, this.clock.now(), seed).map((device) => device.managedDeviceId);
  }

  /** Seeds what a compliance sweep reads on one device (model/posture.ts), or makes it recover (`healthy`). */
  setPosture(tenantId: string, serialOrId: string, change: PostureChange): void {
    const tenant = this.tenant(tenantId);
    if (!tenant) throw new UnknownTenantError(tenantId);
    const device = tenant.findDevice(serialOrId);
    if (!device) throw new Error(`No device '${serialOrId}' in tenant ${tenantId}.`);
    applyPosture(device, tenant.directory, postureChangeSchema.parse(change), this.clock.now());
  }

  /**
   * The same change on many managed devices at once: `count` of them in a stable order from `seed` (all when
   * absent), without a request per device, so a test can make 20 % of a 10,000-device fleet fail in one call.
   */
  seedPosture(tenantId: string, change: PostureChange, count?: number, seed = 1): string[] {
    const tenant = this.tenant(tenantId);
    if (!tenant) throw new UnknownTenantError(tenantId);
    const valid = postureChangeSchema.parse(change);
    const now = this.clock.now();
    const devices = tenant
      .managedDevices(now)
      .map((device) => ({ device, key: combine(seed, device.ordinal, 0x5eed) }))
      .sort((a, b) => a.key - b.key)
      .slice(0, count)
      .map((entry) => entry.device);
    for (const device of devices) applyPosture(device, tenant.directory, valid, now);
    return devices.map((device) => device.managedDeviceId);
  }

  /** Changes a tenant as its own admins would: drift for provisioning to find, or a readiness case. */
  changeTenant(tenantId: string, change: TenantChange): void {
    const tenant = this.tenant(tenantId);
    if (!tenant) throw new UnknownTenantError(tenantId);
    applyTenantChange(tenant, change, this.clock.now());
  }
}

export interface ExportScript {
  failNext?: { count: number; reportName?: string };
  expireNextDownloads?: number;
}

export interface DemoOptions {
  /** Devices in the demo tenant (default 300). */
  deviceCount?: number;
  /** Permissions granted to each tenant's app registration (default: every permission the simulator checks). */
  permissions?: readonly string[];
  /** Also accept client assertions signed by this certificate (PEM) for the app registrations. */
  certificatePem?: string;
}

export interface DemoTenants {
  /** Contoso: a few hundred devices and free E5 seats. */
  demo: SimTenant;
  /** Fabrikam: every E5 seat but the service accounts' four consumed, so licence assignment fails once managed. */
  noSeats: SimTenant;
}

/**
 * The local demo setup: a tenant with free E5 seats and one whose seats are all used, each with one app
 * registration. Ids follow from the seeds; the client secrets are generated and handed out only through
 * the control API.
 */
export function seedDemoTenants(world: SimWorld, options: DemoOptions = {}): DemoTenants {
  const app = {
    displayName: 'Managed Desktop Security',
    permissions: [...(options.permissions ?? allPermissions)],
    ...(options.certificatePem ? { certificatePem: options.certificatePem } : {}),
  };
  const deviceCount = options.deviceCount ?? 300;
  const demo = world.createTenant({
    displayName: 'Contoso',
    domain: 'contoso.onmicrosoft.com',
    seed: 'contoso',
    deviceCount,
    e5: { enabled: deviceCount + 100, consumed: Math.floor(deviceCount * 0.8) },
    apps: [app],
  });
  const noSeats = world.createTenant({
    displayName: 'Fabrikam',
    domain: 'fabrikam.onmicrosoft.com',
    seed: 'fabrikam',
    deviceCount: 40,
    e5: { enabled: 34, consumed: 30 },
    apps: [app],
  });
  return { demo, noSeats };
}
