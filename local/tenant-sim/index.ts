/**
 * The tenant simulator: Entra ID, Microsoft Graph and Defender for Endpoint for many tenants, on one HTTPS
 * server on loopback. Point the app at it with
 *   authorityHost = handle.authorityHost (with `disableInstanceDiscovery: true`),
 *   Graph base    = handle.graphUrl     (+ `/v1.0` or `/beta`),
 *   Defender base = handle.defenderUrl  (+ `/api/...`),
 * and trust the certificate it was started with (pass it as `ca`; `@azure/identity` takes
 * `agent: new https.Agent({ ca })` in its credential options).
 */
import { type Clock } from '@mds/platform-kit';
import { SimWorld } from './model';
import { allRoutes, serveExportDownload } from './routes';
import { type SimServer, startSimServer } from './server';
import { type ThrottleSettingsPatch } from './throttle';

export interface TenantSimOptions {
  cert: { cert: string; key: string };
  clock: Clock;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. The control API under `/_sim` has no authentication: keep it on loopback. */
  host?: string;
  /** The tenants to serve; default an empty world on `clock` (add tenants in process or via the control API). */
  world?: SimWorld;
  /** Throttling defaults for every tenant; `{ enabled: false }` for benchmarks of the app's own speed. */
  throttling?: ThrottleSettingsPatch;
}

export interface TenantSimHandle extends SimServer {
  world: SimWorld;
}

export async function startTenantSimulator(options: TenantSimOptions): Promise<TenantSimHandle> {
  const world = options.world ?? new SimWorld(options.clock);
  const server = await startSimServer({
    cert: options.cert,
    clock: options.clock,
    model: world,
    routes: allRoutes(world),
    host: options.host,
    port: options.port,
    throttling: options.throttling,
    unauthenticatedPaths: [(method, url) => serveExportDownload(world, method, url)],
  });
  return { ...server, world };
}

export { type SimServer, type SimServerOptions, startSimServer } from './server';
export {
  type DemoOptions,
  type DemoTenants,
  type LifecycleDelays,
  ModelError,
  Permission,
  type PostureChange,
  type SimDevice,
  type SimTenant,
  SimWorld,
  allPermissions,
  seedDemoTenants,
} from './model';
export { type SimControl, type TenantSummary } from './control';
export { type TenantCounters } from './counters';
export {
  type OperatorTokenOptions,
  defenderResources,
  deterministicUuid,
  graphResource,
  operatorConsoleClientId,
} from './entra';
export { type OperatorDirectory, type OperatorUser, type SpaRegistration } from './sign-in';
export { type FaultSettings, type FaultStatus } from './faults';
export {
  type ThrottleBucket,
  type ThrottleLimit,
  type ThrottleSettings,
  type ThrottleSettingsPatch,
  defaultThrottleLimits,
} from './throttle';
export {
  type ODataListOptions,
  type ODataPage,
  applyODataEntity,
  applyODataQuery,
  odataEntity,
  odataList,
} from './odata';
export { SimError, defenderError, surfaceError } from './errors';
export { type SimAppRegistration, type SimModel, type SimTenantView } from './model-port';
