import { randomUUID } from 'node:crypto';
import { DefaultAzureCredential } from '@azure/identity';
import type { Container } from '@azure/cosmos';
import { type CosmosHandle, createCosmos } from '../../../../shared/platform/cosmos/client';
import { trustedTls } from '../../../../shared/platform/tls';
import { stackSettings } from '../../../../test/support/stack';

export interface TenantDoc {
  id: string;
  tenantId: string;
  serial?: string;
  n?: number;
  state?: string;
  tags?: string[];
}

/**
 * A Cosmos handle on the global stack built by the app's own factory, with a database of its own, so that files
 * running in parallel never see each other's documents.
 */
export async function isolatedCosmos(): Promise<
  CosmosHandle & { container(partitionKeyPath?: string): Promise<Container>; drop(): Promise<void> }
> {
  const settings = stackSettings();
  const handle = createCosmos(
    {
      COSMOS_ENDPOINT: settings.COSMOS_ENDPOINT ?? '',
      COSMOS_KEY: settings.COSMOS_KEY ?? '',
      COSMOS_DATABASE: `test-${randomUUID()}`,
    },
    () => new DefaultAzureCredential(),
    trustedTls(settings.TRUSTED_CA_CERT_PATH),
  );
  await handle.client.databases.createIfNotExists({ id: handle.database.id });
  return {
    ...handle,
    container: async (partitionKeyPath = '/tenantId') => {
      const { container } = await handle.database.containers.create({
        id: `c-${randomUUID()}`,
        partitionKey: { paths: [partitionKeyPath] },
      });
      return container;
    },
    drop: async () => {
      await handle.database.delete();
      handle.client.dispose();
    },
  };
}
