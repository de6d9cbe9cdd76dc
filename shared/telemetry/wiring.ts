import { type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { type AppConfig } from '../config';
import { type ImplementationsOf } from '../platform/activity-registration';
import { blobContainers } from '../platform/declarations';
import { Downloader } from '../platform/graph/download';
import { type Platform } from '../platform';
import { lazy } from '../platform/lazy';
import { type TenantStore } from '../tenants/store';
import { telemetryImplementations } from './activities';
import { type Cadence, type telemetryActivities } from './contract';
import { startTelemetryRunHandler } from './start-run';
import { TelemetryStore } from './store';
import { deviceTelemetry, tenantTelemetry } from './views';

export interface TelemetryCapability {
  readonly store: TelemetryStore;
  readonly activities: ImplementationsOf<typeof telemetryActivities>;
  /** The timer trigger of each cadence. */
  startRun(cadence: Cadence): (timer: Timer, context: InvocationContext) => Promise<string>;
  /** Each source's freshness in a tenant, for the operator API. */
  readonly tenantView: (tenantId: string) => ReturnType<typeof tenantTelemetry>;
  /** A device's current record from every source, for the operator API's device detail. */
  readonly deviceView: (tenantId: string, managedDeviceId: string) => ReturnType<typeof deviceTelemetry>;
}

export type TelemetryPlatform = Pick<Platform, 'container' | 'blobs' | 'tenantClients' | 'tls'>;
export type TelemetryConfig = Pick<AppConfig, 'TELEMETRY_STALE_AFTER_FAILURES'>;

export function telemetryWiring(
  platform: TelemetryPlatform,
  tenants: TenantStore,
  config: TelemetryConfig,
): TelemetryCapability {
  const telemetry: TelemetryCapability = lazy<TelemetryCapability>({
    store: () => new TelemetryStore(platform.container('telemetry')),
    activities: () =>
      telemetryImplementations({
        tenants,
        tenantApis: (tenant) => platform.tenantClients.forTenant(tenant, 'background'),
        store: telemetry.store,
        raw: platform.blobs.getContainerClient(blobContainers.telemetryRaw),
        downloader: new Downloader(platform.tls),
        staleAfterFailures: config.TELEMETRY_STALE_AFTER_FAILURES,
      }),
    startRun: () => (cadence: Cadence) =>
      startTelemetryRunHandler(cadence, (context) => df.getClient(context)),
    tenantView: () => (tenantId: string) => tenantTelemetry(telemetry.store, tenantId, Date.now()),
    deviceView: () => (tenantId: string, managedDeviceId: string) =>
      deviceTelemetry(telemetry.store, tenantId, managedDeviceId),
  });
  return telemetry;
}
