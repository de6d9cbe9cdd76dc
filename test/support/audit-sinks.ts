import { customerAuditAdmin } from '@mds/dev';
import { type ChainRecord } from '../../shared/audit/chain';
import { customerSinkLayout, parseLines } from '../../shared/audit/customer-sink';
import { type App } from '../../shared/composition';
import { customerAuditStorage } from './stack';

/** Both sinks read back the way their owners read them: Cosmos by the operator, the container by the customer. */
export async function operatorRecords(app: App, chain: string): Promise<(ChainRecord & { id: string })[]> {
  const { resources } = await app.platform
    .container('audit')
    .items.query<ChainRecord & { id: string }>({
      query: "SELECT * FROM c WHERE c.chain = @chain AND c.kind = 'record' ORDER BY c.seq",
      parameters: [{ name: '@chain', value: chain }],
    })
    .fetchAll();
  return resources;
}

export async function customerRecords(app: App, tenantId: string): Promise<ChainRecord[]> {
  const tenant = await app.tenants.get(tenantId);
  const container = customerAuditAdmin(customerAuditStorage()).getContainerClient(
    tenant.auditSink!.container,
  );
  const records: ChainRecord[] = [];
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat({ prefix: customerSinkLayout.segmentPrefix }))
    names.push(blob.name);
  for (const name of names.sort()) {
    const body = await container.getBlobClient(name).downloadToBuffer();
    records.push(...parseLines(body.toString('utf8')));
  }
  return records;
}

/** Polls until every id (or key) is in the chain; returns the whole chain. */
export async function waitForRecords(
  read: () => Promise<ChainRecord[]>,
  ids: readonly string[],
  what: string,
  timeoutMs = 30_000,
  keyOf: (record: ChainRecord) => string = (r) => r.event.id as string,
): Promise<ChainRecord[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = await read().catch(() => [] as ChainRecord[]);
    const found = new Set(records.map(keyOf));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length === 0) return records;
    if (Date.now() > deadline)
      throw new Error(
        `${missing.length} of ${ids.length} records never reached the ${what} (first: ${missing[0]})`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}
