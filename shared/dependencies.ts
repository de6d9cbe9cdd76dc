import { type TokenCredential } from '@azure/core-auth';
import { type TableServiceClient } from '@azure/data-tables';
import { DefaultAzureCredential } from '@azure/identity';
import { type Container } from '@azure/cosmos';
import { type SecretClient } from '@azure/keyvault-secrets';
import { type ServiceBusClient, type ServiceBusSender } from '@azure/service-bus';
import { type BlobServiceClient } from '@azure/storage-blob';
import { version as packageVersion } from '../package.json';
import { type AppConfig, loadConfig } from './config';
import { type DependencyProbe } from './health';
import { NotFoundError } from './errors';
import { type SecretReader, TenantClients } from './graph/tenant-clients';
import { queueNames, topicNames } from './messaging/entities';
import { type OnboardingServices } from './onboarding/activity-implementations';
import { type CosmosContainerName, cosmosContainers } from './storage-declarations';
import { DeliveryStore } from './stores/delivery-store';
import { OnboardingStore } from './stores/onboarding-store';
import { webhookSecretReader } from './onboarding/webhook-secrets';
import { TenantStore } from './stores/tenant-store';
import { createServiceBusClient, serviceBusProbe } from './messaging/service-bus-client';
import { createSecretClient, keyVaultProbe } from './secrets/secret-client';
import { type CosmosHandle, cosmosProbe, createCosmos } from './stores/cosmos-client';
import { blobProbe, createBlobServiceClient, createTableServiceClient } from './stores/storage-clients';
import { type TrustedTls, trustedTls } from './trusted-ca';

/** Everything the functions use from outside the process. Each client is built on first use, then shared. */
export interface Dependencies {
  readonly config: AppConfig;
  readonly version: string;
  readonly cosmos: CosmosHandle;
  readonly serviceBus: ServiceBusClient;
  readonly secrets: SecretClient;
  readonly blobs: BlobServiceClient;
  readonly tables: TableServiceClient;
  readonly tenants: TenantStore;
  readonly tenantClients: TenantClients;
  readonly deliveries: DeliveryStore;
  /** The HMAC key of a webhook source (cached), or undefined for an unknown source. */
  readonly webhookSecret: (source: string) => Promise<string | undefined>;
  readonly onboarding: OnboardingServices;
  /** Sends to the queue that starts one onboarding orchestration per message. */
  readonly deviceOrders: ServiceBusSender;
  /** One probe per dependency, for the health endpoint. */
  probes(): DependencyProbe[];
}

let current: { dependencies: Dependencies; close(): Promise<void> } | undefined;

/**
 * The composition root. Nothing is built at import: a cold start pays for the settings check on first call and for
 * each client only when a function first touches it.
 */
export function dependencies(): Dependencies {
  current ??= createDependencies(loadConfig());
  return current.dependencies;
}

/** Closes the clients built so far and forgets them; the next `dependencies()` builds afresh (tests, shutdown). */
export async function resetDependencies(): Promise<void> {
  const closing = current;
  current = undefined;
  await closing?.close();
}

/** A composition of its own from explicit settings (the local stack provisions tenants through it). */
export function createDependencies(
  config: AppConfig,
  /** The identity the clients use; by default the managed identity (DefaultAzureCredential). */
  identity?: TokenCredential,
): { dependencies: Dependencies; close(): Promise<void> } {
  const tls = once(() => trustedTls(config.TRUSTED_CA_CERT_PATH));
  // The managed identity in Azure (and locally the stack's identity endpoint, see local/stack/managed-identity.ts).
  const credential = once((): TokenCredential => identity ?? new DefaultAzureCredential(withTls(tls())));
  const cosmos = once(() => createCosmos(config, credential, tls()));
  const serviceBus = once(() => createServiceBusClient(config, credential));
  const secrets = once(() => createSecretClient(config.KEYVAULT_URL, credential(), tls()));
  const blobs = once(() => createBlobServiceClient(config, credential, tls()));
  const tables = once(() => createTableServiceClient(config, credential, tls()));
  const container = (name: CosmosContainerName): Container =>
    cosmos().database.container(cosmosContainers[name].id);
  const tenants = once(() => new TenantStore(container('tenants')));
  const tenantClients = once(
    () =>
      new TenantClients(
        {
          authorityHost: config.ENTRA_AUTHORITY_HOST,
          graphBaseUrl: config.GRAPH_BASE_URL,
          defenderBaseUrl: config.DEFENDER_BASE_URL,
          ...(tls() ? { trustedCa: tls()?.tlsOptions.ca } : {}),
          maxInFlight: config.GRAPH_MAX_IN_FLIGHT,
          tuning: { baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 60_000 },
          maxRetries: 5,
          timeoutMs: 30_000,
          credentialTtlMs: 10 * 60_000,
        },
        secretReader(secrets()),
      ),
  );
  const deliveries = once(() => new DeliveryStore(container('webhookDeliveries')));
  const webhookSecret = once(() => webhookSecretReader(secrets()));
  const deviceOrders = once(() => serviceBus().createSender(queueNames.deviceOrders));
  const deviceEvents = once(() => serviceBus().createSender(topicNames.deviceEvents));
  const onboardings = once(() => new OnboardingStore(container('onboardings'), container('devices')));

  const dependencies: Dependencies = {
    config,
    version: config.APP_VERSION ?? packageVersion,
    get cosmos() {
      return cosmos();
    },
    get serviceBus() {
      return serviceBus();
    },
    get secrets() {
      return secrets();
    },
    get blobs() {
      return blobs();
    },
    get tables() {
      return tables();
    },
    get tenants() {
      return tenants();
    },
    get tenantClients() {
      return tenantClients();
    },
    get deliveries() {
      return deliveries();
    },
    webhookSecret: (source) => webhookSecret()(source),
    get deviceOrders() {
      return deviceOrders();
    },
    get onboarding(): OnboardingServices {
      return {
        tenants: tenants(),
        tenantApis: (tenant) => tenantClients().forTenant(tenant),
        onboardings: onboardings(),
        deviceEvents: deviceEvents(),
      };
    },
    probes: () => [
      cosmosProbe(cosmos().database),
      blobProbe(blobs()),
      keyVaultProbe(secrets()),
      serviceBusProbe(serviceBus(), queueNames.deviceOrders),
    ],
  };
  return {
    dependencies,
    close: async () => {
      if (cosmos.built()) cosmos().client.dispose();
      if (deviceOrders.built()) await deviceOrders().close();
      if (deviceEvents.built()) await deviceEvents().close();
      if (serviceBus.built()) await serviceBus().close();
    },
  };
}

/** Reads a secret's current value; a secret without a value is as good as missing. */
function secretReader(client: SecretClient): SecretReader {
  return {
    getSecret: async (name) => {
      const secret = await client.getSecret(name);
      if (secret.value === undefined) throw new NotFoundError(`Key Vault secret ${name} has no value.`);
      return secret.value;
    },
  };
}

function withTls(tls: TrustedTls | undefined): { tlsOptions?: TrustedTls['tlsOptions'] } {
  return tls ? { tlsOptions: tls.tlsOptions } : {};
}

/** A value built on first call and shared after; `built()` tells whether it exists without building it. */
function once<T>(make: () => T): (() => T) & { built(): boolean } {
  let made: { value: T } | undefined;
  return Object.assign(() => (made ??= { value: make() }).value, { built: () => made !== undefined });
}
