import { type Container, type ItemDefinition } from '@azure/cosmos';
import { type TenantRecord, tenantRecordSchema } from '../domain/tenant';
import { ForbiddenError, NotFoundError } from '../errors';
import { cosmosCall } from '../platform/cosmos/errors';
import { TtlCache } from '../platform/ttl-cache';

/**
 * Tenant records, read often (every webhook, every activity) and changed rarely: kept in memory for `ttlMs`, so
 * a suspension takes effect within that time.
 */
export class TenantStore {
  private readonly cache: TtlCache<string, TenantRecord | undefined>;

  constructor(
    private readonly container: Container,
    ttlMs = 30_000,
    now: () => number = Date.now,
  ) {
    this.cache = new TtlCache(ttlMs, 10_000, now);
  }

  find(tenantId: string): Promise<TenantRecord | undefined> {
    return this.cache.get(tenantId, async () => {
      const response = await cosmosCall(`read tenant ${tenantId}`, () =>
        this.container.item(tenantId, tenantId).read<ItemDefinition>(),
      );
      return response.resource === undefined ? undefined : tenantRecordSchema.parse(response.resource);
    });
  }

  async get(tenantId: string): Promise<TenantRecord> {
    const record = await this.find(tenantId);
    if (!record) throw new NotFoundError(`Tenant ${tenantId} is not known to the service.`);
    return record;
  }

  /**
   * A tenant the service may act in: known, provisioned and not suspended. A suspension stops new orders and every
   * onboarding in flight at its next step.
   */
  async active(tenantId: string): Promise<TenantRecord> {
    return requireActive(tenantId, await this.find(tenantId));
  }

  /** Every tenant record, by display name (read from Cosmos, not the cache: lists are rare and must be current). */
  async list(): Promise<TenantRecord[]> {
    const { resources } = await cosmosCall('list tenants', () =>
      this.container.items.query<ItemDefinition>('SELECT * FROM c ORDER BY c.displayName').fetchAll(),
    );
    return resources.flatMap((item) => {
      const parsed = tenantRecordSchema.safeParse(item);
      return parsed.success ? [parsed.data] : [];
    });
  }

  /** Ids of the tenants the service acts in now (provisioned, not suspended). */
  async activeIds(): Promise<string[]> {
    return (await this.list())
      .filter((tenant) => tenant.status === 'active')
      .map((tenant) => tenant.id)
      .sort();
  }

  async upsert(record: TenantRecord): Promise<void> {
    const valid = tenantRecordSchema.parse(record);
    await cosmosCall(`write tenant ${record.id}`, () => this.container.items.upsert(valid));
    this.cache.delete(record.id);
  }
}

/** The one check of whether the service may act in a tenant: 404 unless provisioned, 403 while suspended. */
export function requireActive(tenantId: string, record: TenantRecord | undefined): TenantRecord {
  if (!record || record.status === 'provisioning')
    throw new NotFoundError(`Tenant ${tenantId} is not provisioned for the service.`);
  if (record.status === 'suspended')
    throw new ForbiddenError(`Tenant ${tenantId} is suspended; no further changes are made in it.`);
  return record;
}
