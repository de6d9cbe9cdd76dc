import type { Container } from '@azure/cosmos';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../../../../shared/errors';
import { cosmosCall } from '../../../../shared/platform/cosmos/errors';
import { type TenantDoc, isolatedCosmos } from './support';

let cosmos: Awaited<ReturnType<typeof isolatedCosmos>>;
let items: Container;

beforeAll(async () => {
  cosmos = await isolatedCosmos();
  items = await cosmos.container();
});

afterAll(async () => {
  await cosmos.drop();
});

describe('Cosmos items through the real SDK over HTTPS', () => {
  it('creates, reads, upserts, replaces and deletes a document', async () => {
    const created = await items.items.create<TenantDoc>({ id: 'd1', tenantId: 't1', state: 'new' });
    expect(created.statusCode).toBe(201);

    const read = await items.item('d1', 't1').read<TenantDoc>();
    expect(read.resource).toMatchObject({ id: 'd1', tenantId: 't1', state: 'new' });

    const upserted = await items.items.upsert<TenantDoc>({ id: 'd1', tenantId: 't1', state: 'enrolled' });
    expect(upserted.statusCode).toBe(200);

    const replaced = await items
      .item('d1', 't1')
      .replace<TenantDoc>({ id: 'd1', tenantId: 't1', state: 'healthy' });
    expect(replaced.resource?.state).toBe('healthy');

    const deleted = await items.item('d1', 't1').delete();
    expect(deleted.statusCode).toBe(204);
    const gone = await items.item('d1', 't1').read<TenantDoc>();
    expect(gone.statusCode).toBe(404);
    expect(gone.resource).toBeUndefined();
  });

  it('keeps documents of different partitions apart', async () => {
    await items.items.create<TenantDoc>({ id: 'same', tenantId: 'a', state: 'A' });
    await items.items.create<TenantDoc>({ id: 'same', tenantId: 'b', state: 'B' });
    expect((await items.item('same', 'a').read<TenantDoc>()).resource?.state).toBe('A');
    expect((await items.item('same', 'b').read<TenantDoc>()).resource?.state).toBe('B');
  });

  it('translates a duplicate id into ConflictError', async () => {
    await items.items.create<TenantDoc>({ id: 'dup', tenantId: 't1' });
    const again = cosmosCall('create device dup', () =>
      items.items.create<TenantDoc>({ id: 'dup', tenantId: 't1' }),
    );
    await expect(again).rejects.toBeInstanceOf(ConflictError);
    await expect(again).rejects.toMatchObject({ status: 409, retryable: false });
  });

  it('translates a missing document on replace into NotFoundError', async () => {
    const replace = cosmosCall('replace device missing', () =>
      items.item('missing', 't1').replace<TenantDoc>({ id: 'missing', tenantId: 't1' }),
    );
    await expect(replace).rejects.toBeInstanceOf(NotFoundError);
  });

  it('rejects a stale ETag with PreconditionFailedError and accepts the current one', async () => {
    const { resource: first } = await items.items.create<TenantDoc>({ id: 'etag', tenantId: 't1', n: 1 });
    const staleEtag = first?._etag ?? '';
    const { resource: second } = await items
      .item('etag', 't1')
      .replace<TenantDoc>(
        { id: 'etag', tenantId: 't1', n: 2 },
        { accessCondition: { type: 'IfMatch', condition: staleEtag } },
      );
    expect(second?._etag).not.toBe(staleEtag);

    const stale = cosmosCall('replace device etag', () =>
      items
        .item('etag', 't1')
        .replace<TenantDoc>(
          { id: 'etag', tenantId: 't1', n: 3 },
          { accessCondition: { type: 'IfMatch', condition: staleEtag } },
        ),
    );
    await expect(stale).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(stale).rejects.toMatchObject({ retryable: true });
    expect((await items.item('etag', 't1').read<TenantDoc>()).resource?.n).toBe(2);
  });

  it('patches fields in place', async () => {
    await items.items.create<TenantDoc>({ id: 'p1', tenantId: 't1', state: 'new', n: 1, tags: ['a'] });
    const { resource } = await items.item('p1', 't1').patch<TenantDoc>([
      { op: 'set', path: '/state', value: 'enrolled' },
      { op: 'incr', path: '/n', value: 4 },
      { op: 'add', path: '/tags/-', value: 'b' },
    ]);
    expect(resource).toMatchObject({ state: 'enrolled', n: 5, tags: ['a', 'b'] });
  });

  it('runs bulk operations and reports each outcome', async () => {
    // executeBulkOperations needs the partition key on every operation; it does not read it from the body.
    const results = await items.items.executeBulkOperations([
      { operationType: 'Create', partitionKey: 'bulk', resourceBody: { id: 'b1', tenantId: 'bulk', n: 1 } },
      { operationType: 'Upsert', partitionKey: 'bulk', resourceBody: { id: 'b2', tenantId: 'bulk', n: 2 } },
      { operationType: 'Create', partitionKey: 'bulk', resourceBody: { id: 'b1', tenantId: 'bulk', n: 9 } },
    ]);
    expect(results.map((r) => r.response?.statusCode ?? r.error?.code)).toEqual([201, 201, 409]);
    const { resources } = await items.items
      .query<TenantDoc>({
        query: 'SELECT * FROM c WHERE c.tenantId = @t',
        parameters: [{ name: '@t', value: 'bulk' }],
      })
      .fetchAll();
    expect(resources.map((r) => [r.id, r.n]).sort()).toEqual([
      ['b1', 1],
      ['b2', 2],
    ]);
  });
});
