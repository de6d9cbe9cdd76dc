import { type Container, type ItemDefinition } from '@azure/cosmos';
import { type TenantRecord, tenantRecordSchema } from '../domain/tenant';
import { NotFoundError } from '../errors';
import { cosmosCall } from './cosmos-errors';

/**
 * Tenant records, read often (every webhook, every activity) and changed rarely: kept in memory for `ttlMs`, so
 * a suspension takes effect within that time.
 */
export class TenantStore {
  private readonly cache = new Map<string, { record: TenantRecord | undefined; expiresAt: number }>();

  constructor(
    private readonly container: Container,
    private readonly ttlMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  async find(tenantId: string): Promise<TenantRecord | undefined> {
    const cached = this.cache.get(tenantId);
    if (cached && cached.expiresAt > this.now()) return cached.record;
    const response = await cosmosCall(`read tenant ${tenantId}`, () =>
      this.container.item(tenantId, tenantId).read<ItemDefinition>(),
    );
    const record = response.resource === undefined ? undefined : tenantRecordSchema.parse(response.resource);
    this.cache.set(tenantId, { record, expiresAt: this.now() + this.ttlMs });
    return record;
  }

  async get(tenantId: string): Promise<TenantRecord> {
    const record = await this.find(tenantId);
    if (!record) throw new NotFoundError(`Tenant ${tenantId} is not known to the service.`);
    return record;
  }

  async upsert(record: TenantRecord): Promise<void> {
    const valid = tenantRecordSchema.parse(record);
    await cosmosCall(`write tenant ${record.id}`, () => this.container.items.upsert(valid));
    this.cache.delete(record.id);
  }
}
