import { type KeyObject } from 'node:crypto';
import { type Container } from '@azure/cosmos';
import { type ContainerClient } from '@azure/storage-blob';
import { cosmosCall } from '../platform/cosmos/errors';
import { type ChainRecord, type Checkpoint } from './chain';
import { customerSinkLayout, downloadText, segmentNumber, translateBlobError } from './customer-sink';
import { type HeadDocument } from './operator-sink';
import { type ChainReport, type ReadRecord, verifyChain } from './verify';

const pageSize = 500;

/** The operator sink's chain in sequence order, page by page. */
async function* operatorRecords(container: Container, chain: string): AsyncGenerator<ChainRecord> {
  const query = container.items.query<ChainRecord>(
    {
      query: "SELECT * FROM c WHERE c.chain = @chain AND c.kind = 'record' ORDER BY c.seq",
      parameters: [{ name: '@chain', value: chain }],
    },
    { partitionKey: chain, maxItemCount: pageSize },
  );
  while (query.hasMoreResults()) {
    const page = await cosmosCall(`read the audit chain ${chain}`, () => query.fetchNext());
    for (const record of page.resources) yield record;
  }
}

export async function verifyOperatorChain(
  container: Container,
  chain: string,
  publicKeys: ReadonlyMap<string, KeyObject>,
): Promise<ChainReport> {
  const [head, checkpoints] = await Promise.all([
    cosmosCall(`read the audit head of ${chain}`, () => container.item('_head', chain).read<HeadDocument>()),
    cosmosCall(`read the audit checkpoints of ${chain}`, () =>
      container.items
        .query<Checkpoint>({
          query: "SELECT * FROM c WHERE c.chain = @chain AND c.kind = 'checkpoint'",
          parameters: [{ name: '@chain', value: chain }],
        })
        .fetchAll(),
    ),
  ]);
  return verifyChain({
    sink: 'operator',
    chain,
    records: operatorRecords(container, chain),
    checkpoints: checkpoints.resources,
    publicKeys,
    head: head.resource ? { seq: head.resource.seq, hash: head.resource.hash } : undefined,
  });
}

/** The customer sink's records in storage order: segment by segment, line by line. */
async function* customerRecords(container: ContainerClient): AsyncGenerator<ReadRecord> {
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat({ prefix: customerSinkLayout.segmentPrefix }))
    names.push(blob.name);
  names.sort((a, b) => segmentNumber(a) - segmentNumber(b));
  for (const name of names) {
    const text = await downloadText(container, name);
    for (const line of text.split('\n')) {
      if (line.length === 0) continue;
      try {
        yield JSON.parse(line) as ChainRecord;
      } catch {
        yield { unreadable: `${line.slice(0, 40)}...` };
      }
    }
  }
}

export async function verifyCustomerChain(
  container: ContainerClient,
  tenantId: string,
  publicKeys: ReadonlyMap<string, KeyObject>,
): Promise<ChainReport> {
  try {
    const checkpoints: Checkpoint[] = [];
    for await (const blob of container.listBlobsFlat({ prefix: customerSinkLayout.checkpointPrefix }))
      checkpoints.push(JSON.parse(await downloadText(container, blob.name)) as Checkpoint);
    return await verifyChain({
      sink: 'customer',
      chain: tenantId,
      records: customerRecords(container),
      checkpoints,
      publicKeys,
    });
  } catch (error) {
    throw translateBlobError(error, `read the customer audit sink of ${tenantId}`);
  }
}
