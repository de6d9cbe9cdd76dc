import { type TokenCredential } from '@azure/core-auth';
import { type Container } from '@azure/cosmos';
import { DefaultAzureCredential } from '@azure/identity';
import { type SecretClient } from '@azure/keyvault-secrets';
import { type ServiceBusClient, type ServiceBusSender } from '@azure/service-bus';
import { type BlobServiceClient } from '@azure/storage-blob';
import { type AppConfig } from '../config';
import { type DependencyProbe } from '../health/check';
import { type CosmosHandle, cosmosProbe, createCosmos } from './cosmos/client';
import { type CosmosContainerName, cosmosContainers, queueNames } from './declarations';
import { TenantClients } from './graph/tenant-clients';
import { createSecretClient, keyVaultProbe, type SecretReader, secretReader } from './keyvault';
import { lazy, wasBuilt } from './lazy';
import { residencyGate, type ResidencyGate } from './residency';
import { createServiceBusClient, requestPathRetryOptions, serviceBusProbe } from './servicebus';
import { blobProbe, createBlobServiceClient } from './storage';
import { pipelineTls, type TrustedTls, trustedTls } from './tls';

/** The clients of everything outside the process, each built on first use and then shared. */
export interface Platform {
  readonly tls: TrustedTls | undefined;
  readonly credential: TokenCredential;
  readonly cosmos: CosmosHandle;
  readonly serviceBus: ServiceBusClient;
  /** A second connection with short retries, for sends an HTTP caller waits on (see `requestPathRetryOptions`). */
  readonly serviceBusForRequests: ServiceBusClient;
  readonly secrets: SecretClient;
  readonly secretReader: SecretReader;
  readonly blobs: BlobServiceClient;
  /** Graph and Defender clients per customer tenant, signed in with the tenant's credential from Key Vault. */
  readonly tenantClients: TenantClients;
  /** Whether every store is in the US: checked at start-up (functions/hooks) and reported by the health endpoint. */
  readonly residency: ResidencyGate;
  container(name: CosmosContainerName): Container;
  /** One sender per entity, shared. */
  sender(entity: string): ServiceBusSender;
  /** One sender per entity on `serviceBusForRequests`: fails within seconds when Service Bus is unreachable. */
  requestSender(entity: string): ServiceBusSender;
  /** One probe per dependency, for the health endpoint. */
  probes(): DependencyProbe[];
  close(): Promise<void>;
}

type PlatformClients = Omit<Platform, 'container' | 'sender' | 'requestSender' | 'probes' | 'close'>;

export function createPlatform(
  config: AppConfig,
  /** The identity the clients use; by default the managed identity (DefaultAzureCredential). */
  identity?: TokenCredential,
): Platform {
  const senders = new Map<string, ServiceBusSender>();
  const requestSenders = new Map<string, ServiceBusSender>();
  const clients: PlatformClients = lazy<PlatformClients>({
    tls: () => trustedTls(config.TRUSTED_CA_CERT_PATH),
    // The managed identity in Azure (locally the stack's identity endpoint, see local/dev).
    credential: () => identity ?? new DefaultAzureCredential(pipelineTls(clients.tls)),
    cosmos: () => createCosmos(config, () => clients.credential, clients.tls),
    serviceBus: () => createServiceBusClient(config, () => clients.credential),
    serviceBusForRequests: () =>
      createServiceBusClient(config, () => clients.credential, { retryOptions: requestPathRetryOptions }),
    secrets: () => createSecretClient(config.KEYVAULT_URL, clients.credential, clients.tls),
    secretReader: () => secretReader(clients.secrets),
    blobs: () => createBlobServiceClient(config, () => clients.credential, clients.tls),
    residency: () => residencyGate(config, () => clients.cosmos.client),
    tenantClients: () =>
      new TenantClients(
        {
          authorityHost: config.ENTRA_AUTHORITY_HOST,
          graphBaseUrl: config.GRAPH_BASE_URL,
          defenderBaseUrl: config.DEFENDER_BASE_URL,
          ...pipelineTls(clients.tls),
          maxInFlight: config.GRAPH_MAX_IN_FLIGHT,
          backgroundInFlight: config.TELEMETRY_MAX_IN_FLIGHT,
          tuning: { baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 60_000 },
          maxRetries: 5,
          timeoutMs: 30_000,
          credentialTtlMs: 10 * 60_000,
        },
        clients.secretReader,
      ),
  });
  return Object.assign(Object.create(clients) as PlatformClients, {
    container: (name: CosmosContainerName) => clients.cosmos.database.container(cosmosContainers[name].id),
    sender: (entity: string) => {
      let sender = senders.get(entity);
      if (!sender) senders.set(entity, (sender = clients.serviceBus.createSender(entity)));
      return sender;
    },
    requestSender: (entity: string) => {
      let sender = requestSenders.get(entity);
      if (!sender) requestSenders.set(entity, (sender = clients.serviceBusForRequests.createSender(entity)));
      return sender;
    },
    probes: () => [
      cosmosProbe(clients.cosmos.database),
      blobProbe(clients.blobs),
      keyVaultProbe(clients.secrets),
      serviceBusProbe(clients.serviceBus, queueNames.deviceOrders),
    ],
    close: async () => {
      if (wasBuilt(clients, 'cosmos')) clients.cosmos.client.dispose();
      await Promise.all([...senders.values(), ...requestSenders.values()].map((sender) => sender.close()));
      senders.clear();
      requestSenders.clear();
      if (wasBuilt(clients, 'serviceBus')) await clients.serviceBus.close();
      if (wasBuilt(clients, 'serviceBusForRequests')) await clients.serviceBusForRequests.close();
    },
  });
}
