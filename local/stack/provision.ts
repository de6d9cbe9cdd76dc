import { Agent } from 'node:https';
import { CosmosClient } from '@azure/cosmos';
import { BlobServiceClient } from '@azure/storage-blob';
import { type TenantRecord, tenantRecordSchema } from '../../shared/domain/tenant';
import { secretNames } from '../../shared/secrets/secret-names';
import { blobContainers, cosmosContainers } from '../../shared/storage-declarations';

/** A customer tenant the simulator knows, with the app registration the service signs in as. */
export interface SeededTenant {
  id: string;
  displayName: string;
  clientId: string;
  clientSecret: string;
}

const demoUpdateRings = { test: 5, first: 15, fast: 30, broad: 50 };

/** The tenant as the service stores it: Key Vault secret names only, never the values. */
export function tenantRecord(tenant: SeededTenant): TenantRecord {
  return tenantRecordSchema.parse({
    id: tenant.id,
    displayName: tenant.displayName,
    status: 'active',
    updateRings: demoUpdateRings,
    secretNames: {
      graphClientId: secretNames.tenantGraphClientId(tenant.id),
      graphClientSecret: secretNames.tenantGraphClientSecret(tenant.id),
    },
  });
}

/** The Key Vault secrets that `tenantRecord`'s names point at. */
export function tenantSecrets(tenant: SeededTenant): Record<string, string> {
  return {
    [secretNames.tenantGraphClientId(tenant.id)]: tenant.clientId,
    [secretNames.tenantGraphClientSecret(tenant.id)]: tenant.clientSecret,
  };
}

/**
 * Creates the database and every declared container (existing ones are left as they are), then upserts the tenant
 * records.
 */
export async function provisionCosmos(
  connection: { endpoint: string; key: string; ca: string },
  databaseId: string,
  tenants: readonly TenantRecord[],
): Promise<void> {
  const client = new CosmosClient({
    endpoint: connection.endpoint,
    key: connection.key,
    agent: new Agent({ ca: connection.ca, keepAlive: true }),
  });
  try {
    const { database } = await client.databases.createIfNotExists({ id: databaseId });
    await Promise.all(
      Object.values(cosmosContainers).map((c) =>
        database.containers.createIfNotExists({ id: c.id, partitionKey: { paths: [c.partitionKeyPath] } }),
      ),
    );
    const container = database.container(cosmosContainers.tenants.id);
    await Promise.all(tenants.map((tenant) => container.items.upsert(tenant)));
  } finally {
    client.dispose();
  }
}

export async function provisionBlobContainers(connectionString: string): Promise<void> {
  const blobs = BlobServiceClient.fromConnectionString(connectionString);
  await Promise.all(
    Object.values(blobContainers).map((name) => blobs.getContainerClient(name).createIfNotExists()),
  );
}
