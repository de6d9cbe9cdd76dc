import { type TokenCredential } from '@azure/core-auth';
import { CosmosClient, type Database } from '@azure/cosmos';
import { type DependencyProbe } from '../../health/check';
import { type TrustedTls } from '../tls';

export interface CosmosSettings {
  COSMOS_ENDPOINT: string;
  /** Absent in production: the app then authenticates with its managed identity. */
  COSMOS_KEY?: string;
  COSMOS_DATABASE: string;
}

export interface CosmosHandle {
  client: CosmosClient;
  database: Database;
}

/**
 * A Cosmos client signed with the account key when one is set (the local emulator's public key), else with the
 * managed identity. The extra CA goes into the client's own agent: Cosmos does not use the core pipeline's
 * `tlsOptions`.
 */
export function createCosmos(
  settings: CosmosSettings,
  credential: () => TokenCredential,
  tls: TrustedTls | undefined,
): CosmosHandle {
  const client = new CosmosClient({
    endpoint: settings.COSMOS_ENDPOINT,
    ...(settings.COSMOS_KEY ? { key: settings.COSMOS_KEY } : { aadCredentials: credential() }),
    ...(tls ? { agent: tls.httpsAgent } : {}),
  });
  return { client, database: client.database(settings.COSMOS_DATABASE) };
}

/** Reading the database proves the endpoint, the credential and the database itself. */
export function cosmosProbe(database: Database): DependencyProbe {
  return {
    name: 'cosmos',
    check: async (signal) => {
      await database.read({ abortSignal: signal });
    },
  };
}
