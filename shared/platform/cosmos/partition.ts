import { type Container, type ItemDefinition } from '@azure/cosmos';
import { cosmosCall } from './errors';

/** One document of a tenant's partition by id; `undefined` when there is none. */
export async function readInPartition<T extends ItemDefinition>(
  container: Container,
  tenantId: string,
  id: string,
  what: string,
): Promise<T | undefined> {
  const response = await cosmosCall(`read ${what} ${id} of ${tenantId}`, () =>
    container.item(id, tenantId).read<T>(),
  );
  return response.resource;
}

/**
 * Every document of a tenant's partition that matches `where`. The tenant is in the query itself as well as in the
 * partition-key option: the local Cosmos ignores the option, and a caller that saw another tenant's documents could
 * act on them.
 */
export async function queryInPartition<T>(
  container: Container,
  tenantId: string,
  where: string,
  parameters: { name: string; value: string }[],
  what: string,
): Promise<T[]> {
  const { resources } = await cosmosCall(`query ${what} of ${tenantId}`, () =>
    container.items
      .query<T>(
        {
          query: `SELECT * FROM c WHERE c.tenantId = @tenantId AND ${where}`,
          parameters: [{ name: '@tenantId', value: tenantId }, ...parameters],
        },
        { partitionKey: tenantId },
      )
      .fetchAll(),
  );
  return resources;
}
