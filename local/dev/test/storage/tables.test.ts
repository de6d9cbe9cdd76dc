import { randomUUID } from 'node:crypto';
import { TableClient, odata } from '@azure/data-tables';
import { stackStorage } from './support';

const { tables, connectionString } = stackStorage();
const tableName = `t${randomUUID().replace(/-/g, '')}`;
const table = TableClient.fromConnectionString(connectionString, tableName, {
  allowInsecureConnection: true,
});

interface Cursor {
  partitionKey: string;
  rowKey: string;
  deltaToken: string;
  pages: number;
}

beforeAll(async () => {
  await tables.createTable(tableName);
});

afterAll(async () => {
  await tables.deleteTable(tableName);
});

describe('Table storage through the real SDK against Azurite', () => {
  it('upserts entities, merging and replacing', async () => {
    await table.upsertEntity<Cursor>({
      partitionKey: 'tenant-a',
      rowKey: 'managedDevices',
      deltaToken: 'd1',
      pages: 1,
    });
    await table.upsertEntity({ partitionKey: 'tenant-a', rowKey: 'managedDevices', pages: 4 }, 'Merge');
    expect(await table.getEntity<Cursor>('tenant-a', 'managedDevices')).toMatchObject({
      deltaToken: 'd1',
      pages: 4,
    });

    await table.upsertEntity({ partitionKey: 'tenant-a', rowKey: 'managedDevices', pages: 7 }, 'Replace');
    const replaced = await table.getEntity<Partial<Cursor>>('tenant-a', 'managedDevices');
    expect(replaced.pages).toBe(7);
    expect(replaced.deltaToken).toBeUndefined();
  });

  it('queries one partition with an OData filter', async () => {
    await Promise.all(
      ['apps', 'policies', 'reliability'].map((rowKey, i) =>
        table.upsertEntity<Cursor>({ partitionKey: 'tenant-b', rowKey, deltaToken: `t${i}`, pages: i }),
      ),
    );
    await table.upsertEntity<Cursor>({ partitionKey: 'tenant-c', rowKey: 'apps', deltaToken: 'x', pages: 9 });

    const found: string[] = [];
    const query = table.listEntities<Cursor>({
      queryOptions: { filter: odata`PartitionKey eq ${'tenant-b'} and pages ge ${1}` },
    });
    for await (const entity of query) found.push(entity.rowKey);
    expect(found).toEqual(['policies', 'reliability']);
  });

  it('lists the table through the service client', async () => {
    const names: string[] = [];
    for await (const t of tables.listTables({ queryOptions: { filter: odata`TableName eq ${tableName}` } })) {
      names.push(t.name ?? '');
    }
    expect(names).toEqual([tableName]);
  });
});
