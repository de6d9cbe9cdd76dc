/**
 * Intune apps, each required on every managed device, and their per-device install outcome: pending until
 * the device has had time to install after enrolling, then installed, or failed for a stable share.
 */
import { type CatalogApp, appInstallErrorCode, catalogApps } from './catalog';
import { type SimDevice } from './device';
import { type IdSpace } from './ids';
import { combine } from './random';

export type AppInstallState = 'installed' | 'failed' | 'pendingInstall';

export interface AppInstall {
  state: AppInstallState;
  errorCode: number;
  /** When the device last reported the state. */
  reportedAt: number;
}

const installWindow = 45 * 60_000;

export class MobileApp {
  constructor(
    private readonly ids: IdSpace,
    readonly ordinal: number,
    readonly definition: CatalogApp,
    readonly createdAt: number,
  ) {}

  get id(): string {
    return this.ids.guid(this.ordinal);
  }

  /** The outcome on an enrolled device; apps install one after another during the install window. */
  installOn(device: SimDevice, now: number): AppInstall {
    const done = device.enrolledAt + installWindow + this.ordinal * 5 * 60_000;
    if (now < done) return { state: 'pendingInstall', errorCode: 0, reportedAt: device.enrolledAt };
    const roll = (combine(this.ordinal, device.ordinal, 0xa99) % 10_000) / 10_000;
    const failed = roll < this.definition.failureRate;
    return {
      state: failed ? 'failed' : 'installed',
      errorCode: failed ? appInstallErrorCode : 0,
      reportedAt: Math.max(done, device.lastSyncAt(now)),
    };
  }
}

export function catalogMobileApps(ids: IdSpace, createdAt: number): MobileApp[] {
  return catalogApps.map((definition, ordinal) => new MobileApp(ids, ordinal, definition, createdAt));
}
