import { type Container, type JSONObject, type OperationInput } from '@azure/cosmos';
import { DependencyUnavailableError, ThrottledError } from '../../errors';
import { cosmosCall } from './errors';

/** Operations per bulk call: the SDK's own batch size. */
const bulkSize = 100;

/**
 * Point reads of these ids in one partition, in bulk calls: each read costs the same whatever the container holds,
 * where a query over ids would scan it. Missing ids are absent from the answer.
 */
export async function bulkRead<T>(
  container: Container,
  partitionKey: string,
  ids: readonly string[],
  what: string,
): Promise<Map<string, T>> {
  const found = new Map<string, T>();
  for (let start = 0; start < ids.length; start += bulkSize) {
    const chunk = ids.slice(start, start + bulkSize);
    const operations: OperationInput[] = chunk.map((id) => ({ operationType: 'Read', id, partitionKey }));
    const results = await cosmosCall(what, () => container.items.bulk(operations, { continueOnError: true }));
    results.forEach((result, index) => {
      if (result.statusCode < 300 && result.resourceBody)
        found.set(chunk[index] as string, result.resourceBody as T);
      else if (result.statusCode === 429) throw new ThrottledError(`${what}: throttled by Cosmos DB`, 1_000);
      else if (result.statusCode >= 400 && result.statusCode !== 404)
        throw new DependencyUnavailableError(`${what}: status ${result.statusCode}`, 'cosmos');
    });
  }
  return found;
}

/** Upserts (or deletes, by id) in bulk; what an earlier attempt already wrote is simply written again. */
export async function bulkWrite(
  container: Container,
  partitionKey: string,
  writes: { upsert?: readonly object[]; delete?: readonly string[] },
  what: string,
): Promise<void> {
  const operations: OperationInput[] = [
    ...(writes.upsert ?? []).map(
      (resourceBody): OperationInput => ({
        operationType: 'Upsert',
        resourceBody: resourceBody as JSONObject,
        partitionKey,
      }),
    ),
    ...(writes.delete ?? []).map((id): OperationInput => ({ operationType: 'Delete', id, partitionKey })),
  ];
  for (let start = 0; start < operations.length; start += bulkSize) {
    const chunk = operations.slice(start, start + bulkSize);
    const results = await cosmosCall(what, () => container.items.bulk(chunk, { continueOnError: true }));
    // A delete of what is already gone is done.
    const failed = results.filter((result) => result.statusCode >= 400 && result.statusCode !== 404);
    if (failed.some((result) => result.statusCode === 429))
      throw new ThrottledError(`${what}: throttled by Cosmos DB`, 1_000);
    if (failed.length > 0)
      throw new DependencyUnavailableError(
        `${what}: ${failed.length} of ${chunk.length} writes failed (status ${failed[0]?.statusCode})`,
        'cosmos',
      );
  }
}
