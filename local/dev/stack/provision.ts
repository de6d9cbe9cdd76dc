import { Agent } from 'node:https';
import { CosmosClient } from '@azure/cosmos';
import { BlobServiceClient } from '@azure/storage-blob';
import { type TokenCredential } from '@azure/core-auth';
import { loadConfig } from '../../../shared/config';
import { createApp } from '../../../shared/composition';
import { blobContainers, cosmosContainers } from '../../../shared/platform/declarations';
import { type ProvisionedAuditSink } from './customer-audit';

/** A customer tenant the simulator knows, with the app registration the service signs in as. */
export interface SeededTenant {
  id: string;
  displayName: string;
  clientId: string;
  clientSecret: string;
}

/**
 * Brings each tenant under management through the app's composition root, signed in as the stack's local managed
 * identity: registration → readiness → provisioning → active, the steps the provisioning orchestration runs (no host
 * runs yet). Tenants go side by side; one that is not ready fails the start, naming its checks.
 */
export async function registerSeededTenants(
  settings: Record<string, string>,
  credential: TokenCredential,
  tenants: readonly SeededTenant[],
  /** Each tenant's audit sink, as its customer would set it up. */
  auditSink: (tenantId: string) => Promise<ProvisionedAuditSink>,
): Promise<void> {
  const app = createApp(loadConfig(settings), credential);
  try {
    await Promise.all(
      tenants.map(async (tenant) => {
        const { readiness, tenant: record } = await app.provisioning.onboardTenant(
          { ...tenant, auditSink: await auditSink(tenant.id) },
          `local-stack:${tenant.id}`,
        );
        if (record.status !== 'active')
          throw new Error(
            `demo tenant ${tenant.displayName} did not become active: ${readiness.checks
              .filter((c) => c.verdict !== 'ready')
              .map((c) => `${c.check} ${c.verdict}`)
              .join(', ')}`,
          );
      }),
    );
  } finally {
    await app.platform.close();
  }
}

/**
 * Creates the database and every declared container (existing ones are left as they are).
 */
export async function provisionCosmos(
  connection: { endpoint: string; key: string; ca: string },
  databaseId: string,
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
  } finally {
    client.dispose();
  }
}

export async function provisionBlobContainers(connectionString: string): Promise<void> {
  const blobs = BlobServiceClient.fromConnectionString(connectionString);
  await Promise.all(
    Object.values<string>(blobContainers).map((name) => blobs.getContainerClient(name).createIfNotExists()),
  );
}
