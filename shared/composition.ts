import { type TokenCredential } from '@azure/core-auth';
import { version as packageVersion } from '../package.json';
import { accessWiring } from './access/wiring';
import { auditWiring } from './audit/wiring';
import { complianceWiring } from './compliance/wiring';
import { type AppConfig, loadConfig } from './config';
import { consoleWiring } from './console/wiring';
import { healthWiring } from './health/wiring';
import { onboardingWiring } from './onboarding/wiring';
import { operatorsWiring } from './operators/wiring';
import { createPlatform, type Platform } from './platform';
import { lazy } from './platform/lazy';
import { provisioningWiring } from './provisioning/wiring';
import { telemetryWiring } from './telemetry/wiring';
import { tenantsWiring } from './tenants/wiring';

export interface App {
  readonly config: AppConfig;
  readonly version: string;
  readonly platform: Platform;
  readonly health: ReturnType<typeof healthWiring>;
  readonly tenants: ReturnType<typeof tenantsWiring>;
  readonly onboarding: ReturnType<typeof onboardingWiring>;
  readonly provisioning: ReturnType<typeof provisioningWiring>;
  readonly audit: ReturnType<typeof auditWiring>;
  readonly operators: ReturnType<typeof operatorsWiring>;
  readonly telemetry: ReturnType<typeof telemetryWiring>;
  readonly console: ReturnType<typeof consoleWiring>;
  readonly access: ReturnType<typeof accessWiring>;
  readonly compliance: ReturnType<typeof complianceWiring>;
}

/** The composition root: a lazily built platform, then one line per capability, each built on first use. */
export function createApp(config: AppConfig, identity?: TokenCredential): App {
  const platform = createPlatform(config, identity);
  const version = config.APP_VERSION ?? packageVersion;
  const app: App = lazy<App>({
    config: () => config,
    version: () => version,
    platform: () => platform,
    health: () => healthWiring(platform, version),
    tenants: () => tenantsWiring(platform),
    onboarding: () => onboardingWiring(platform, app.tenants, config, app.audit.port),
    provisioning: () => provisioningWiring(platform, app.tenants, app.audit.port),
    audit: () => auditWiring(platform, app.tenants),
    operators: () =>
      operatorsWiring(
        platform,
        app.tenants,
        app.onboarding,
        app.audit,
        app.telemetry,
        app.access,
        app.compliance,
        config,
        version,
        app.provisioning,
      ),
    telemetry: () => telemetryWiring(platform, app.tenants, config),
    console: () => consoleWiring(config),
    access: () => accessWiring(platform, app.tenants, app.audit.port),
    compliance: () => complianceWiring(platform, app.tenants, app.telemetry, app.audit.port),
  });
  return app;
}

let current: App | undefined;

/** The app of this process, from its settings. Nothing is built at import: a cold start pays only for first use. */
export function composition(): App {
  current ??= createApp(loadConfig());
  return current;
}

/** Closes the clients built so far and forgets them; the next `composition()` builds afresh (tests, shutdown). */
export async function resetComposition(): Promise<void> {
  const closing = current;
  current = undefined;
  await closing?.platform.close();
}
