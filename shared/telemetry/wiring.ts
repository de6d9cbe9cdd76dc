import { type HttpHandler, type InvocationContext, type Timer } from '@azure/functions';
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
import { tenantTelemetryHandler } from './view-handler';

export interface TelemetryCapability {
  readonly store: TelemetryStore;
  readonly activities: ImplementationsOf<typeof telemetryActivities>;
  /** The timer trigger of each cadence. */
  startRun(cadence: Cadence): (timer: Timer, context: InvocationContext) => Promise<string>;
  /** For the operator API's route table: `GET /api/v1/tenants/{tenantId}/telemetry` (Fleet.Read). */
  readonly tenantView: HttpHandler;
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
    tenantView: () => tenantTelemetryHandler({ store: telemetry.store, tenants, now: Date.now }),
  });
  return telemetry;
}
