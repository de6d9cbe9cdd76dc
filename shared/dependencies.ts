import { type TokenCredential } from '@azure/core-auth';
import { type TableServiceClient } from '@azure/data-tables';
import { DefaultAzureCredential } from '@azure/identity';
import { type SecretClient } from '@azure/keyvault-secrets';
import { type ServiceBusClient } from '@azure/service-bus';
import { type BlobServiceClient } from '@azure/storage-blob';
import { type AppConfig, loadConfig } from './config';
import { type DependencyProbe } from './health';
import { queueNames } from './messaging/entities';
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
  /** One probe per dependency, for the health endpoint. */
  probes(): DependencyProbe[];
}

let current: { dependencies: Dependencies; close(): Promise<void> } | undefined;

/**
 * The composition root. Nothing is built at import: a cold start pays for the settings check on first call and for
 * each client only when a function first touches it.
 */
export function dependencies(): Dependencies {
  current ??= build(loadConfig());
  return current.dependencies;
}

/** Closes the clients built so far and forgets them; the next `dependencies()` builds afresh (tests, shutdown). */
export async function resetDependencies(): Promise<void> {
  const closing = current;
  current = undefined;
  await closing?.close();
}

function build(config: AppConfig): { dependencies: Dependencies; close(): Promise<void> } {
  const tls = once(() => trustedTls(config.TRUSTED_CA_CERT_PATH));
  // The managed identity in Azure (and locally the stack's identity endpoint, see local/stack/managed-identity.ts).
  const credential = once((): TokenCredential => new DefaultAzureCredential(withTls(tls())));
  const cosmos = once(() => createCosmos(config, credential, tls()));
  const serviceBus = once(() => createServiceBusClient(config, credential));
  const secrets = once(() => createSecretClient(config.KEYVAULT_URL, credential(), tls()));
  const blobs = once(() => createBlobServiceClient(config, credential, tls()));
  const tables = once(() => createTableServiceClient(config, credential, tls()));

  const dependencies: Dependencies = {
    config,
    version: config.APP_VERSION ?? 'unversioned',
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
      if (serviceBus.built()) await serviceBus().close();
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
