import { type Container, type ItemDefinition } from '@azure/cosmos';
import { cosmosCall } from '../platform/cosmos/errors';
import { TtlCache } from '../platform/ttl-cache';
import { type OperatorRecord, operatorRecordSchema } from './operator-record';

/**
 * The operator registry in Cosmos `operators`, one record per Entra object id. Every authenticated request reads
 * its operator, so records are kept in memory for `ttlMs`: disabling an operator takes effect within that time on
 * every instance, at once on the instance that wrote it.
 */
export class OperatorStore {
  private readonly cache: TtlCache<string, OperatorRecord | undefined>;

  constructor(
    private readonly container: Container,
    ttlMs = 15_000,
    now: () => number = Date.now,
  ) {
    this.cache = new TtlCache(ttlMs, 10_000, now);
  }

  find(oid: string): Promise<OperatorRecord | undefined> {
    const id = oid.toLowerCase();
    return this.cache.get(id, async () => {
      const { resource } = await cosmosCall(`read operator ${id}`, () =>
        this.container.item(id, id).read<ItemDefinition>(),
      );
      // A record that no longer parses grants nothing: the operator reads as unregistered until it is rewritten.
      const parsed = resource === undefined ? undefined : operatorRecordSchema.safeParse(resource);
      return parsed?.success ? parsed.data : undefined;
    });
  }

  async list(): Promise<OperatorRecord[]> {
    const { resources } = await cosmosCall('list operators', () =>
      this.container.items.query<ItemDefinition>('SELECT * FROM c ORDER BY c.id').fetchAll(),
    );
    return resources.flatMap((item) => {
      const parsed = operatorRecordSchema.safeParse(item);
      return parsed.success ? [parsed.data] : [];
    });
  }

  /** Writes the record and answers whether it was new. */
  async upsert(record: OperatorRecord): Promise<'created' | 'replaced'> {
    const valid = operatorRecordSchema.parse({ ...record, id: record.id.toLowerCase() });
    const { statusCode } = await cosmosCall(`write operator ${valid.id}`, () =>
      this.container.items.upsert(valid),
    );
    this.cache.delete(valid.id);
    return statusCode === 201 ? 'created' : 'replaced';
  }
}
