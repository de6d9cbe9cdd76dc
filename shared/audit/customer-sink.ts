import { type ContainerClient } from '@azure/storage-blob';
import { AppError, DependencyRejectedError, DependencyUnavailableError } from '../errors';
import { transientNetworkCodes } from '../platform/transient-network';
import {
  type ChainRecord,
  type Checkpoint,
  canonicalJson,
  checkpointDue,
  extendChain,
  genesisHash,
} from './chain';
import { contentionPause, GroupCommit } from './group-commit';
import { type AppendResult, type CheckpointSigner } from './operator-sink';
import { type ProjectedEvent } from './projection';

/**
 * The customer environment's sink: a container the customer owns (one per tenant), append-only by construction, so
 * that it can sit under a time-based retention (WORM) policy that allows protected append writes:
 * - `records/<segment>.jsonl`: append blobs, one line per record (canonical JSON). A commit is one Append Block
 *   conditional on the append position the writer last saw, so two writers can never both extend the chain from the
 *   same record: the second gets 412, reads what the first appended, and chains after it. A segment that has grown
 *   past `segmentBytes` is left for the next (every writer sees the same length, so all agree when).
 * - `checkpoints/<seq>.json`: signed checkpoints.
 * Nothing is ever overwritten or deleted, so the SAS the customer grants needs read, add, create and list only.
 *
 * Idempotency by event id needs no index of its own: an event can only have been recorded after it happened, so the
 * records since the event's `time` (less a clock-skew margin) are all that must be searched. The writer knows the
 * ids of the current segment (and of the one before, when it saw it end); an event older than those, such as a
 * delayed retry after a long outage, makes it read the segments back to that time.
 */
export const customerSinkLayout = {
  segmentPrefix: 'records/',
  segmentName: (n: number): string => `records/${String(n).padStart(6, '0')}.jsonl`,
  checkpointPrefix: 'checkpoints/',
  checkpointName: (seq: number): string => `checkpoints/${String(seq).padStart(12, '0')}.json`,
} as const;

const segmentBytes = 8 * 1024 * 1024;
const maxAttempts = 200;
/** How far an event's `time` may be ahead of the clock of the writer that records it. */
const clockSkewMs = 15 * 60_000;

interface SegmentIds {
  ids: Set<string>;
  /** When the segment's first record was recorded; undefined while it is empty. */
  startedAt: string | undefined;
}

interface BlobChainState {
  segment: number;
  length: number;
  seq: number;
  hash: string;
  current: SegmentIds;
  /** The segment before, when this writer saw it (loaded with an empty current one, or rolled past it). */
  previous: SegmentIds | undefined;
  lastCheckpoint: Checkpoint | undefined;
}

/** The sink's container for a tenant, as its tenant record names it. */
export type CustomerContainerResolver = (
  tenantId: string,
) => Promise<{ key: string; container: ContainerClient }>;

export class CustomerSink {
  private readonly states = new Map<string, BlobChainState>();
  private readonly commits: GroupCommit<ProjectedEvent, AppendResult>;

  constructor(
    private readonly resolve: CustomerContainerResolver,
    private readonly signCheckpoint: CheckpointSigner,
    private readonly now: () => number = Date.now,
    private readonly options: { segmentBytes?: number } = {},
  ) {
    this.commits = new GroupCommit((tenantId, events) => this.commit(tenantId, events));
  }

  append(tenantId: string, event: ProjectedEvent & { id: string }): Promise<AppendResult> {
    return this.commits.submit(tenantId, event);
  }

  private async commit(tenantId: string, events: ProjectedEvent[]): Promise<AppendResult[]> {
    const { key, container } = await this.resolve(tenantId);
    const limit = this.options.segmentBytes ?? segmentBytes;
    const firstOfId = new Map<string, ProjectedEvent>();
    for (const e of events) if (!firstOfId.has(idOf(e))) firstOfId.set(idOf(e), e);
    /** Ids found in segments older than the writer knows, read once per commit when an old event needs them. */
    let older: Set<string> | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let state =
        this.states.get(key) ?? (await blobCall('load the audit chain', () => this.load(container)));
      this.states.set(key, state);
      if (state.length >= limit) {
        state = await blobCall('start an audit segment', () => this.nextSegment(container, state));
        this.states.set(key, state);
      }
      const current = state;
      const known = (id: string) =>
        current.current.ids.has(id) || current.previous?.ids.has(id) === true || older?.has(id) === true;
      let candidates = [...firstOfId.values()].filter((e) => !known(idOf(e)));
      if (!older) {
        const oldest = Math.min(...candidates.map((e) => Date.parse(String(e.time)) - clockSkewMs));
        const covered = coveredSince(current);
        if (candidates.length > 0 && oldest < covered) {
          older = await blobCall('read earlier audit segments', () => olderIds(container, current, oldest));
          candidates = candidates.filter((e) => !known(idOf(e)));
        } else older = new Set();
      }
      const fresh = candidates;
      const freshIds = new Set(fresh.map(idOf));
      const results = (): AppendResult[] =>
        events.map((e) => (freshIds.has(idOf(e)) && firstOfId.get(idOf(e)) === e ? 'appended' : 'duplicate'));
      if (fresh.length === 0) return results();

      const now = this.now();
      const records = extendChain(
        { chain: tenantId, seq: current.seq, hash: current.hash },
        fresh,
        new Date(now).toISOString(),
      );
      const data = Buffer.from(records.map((r) => `${canonicalJson(r)}\n`).join(''), 'utf8');
      try {
        await container
          .getAppendBlobClient(customerSinkLayout.segmentName(current.segment))
          .appendBlock(data, data.length, { conditions: { appendPosition: current.length } });
      } catch (error) {
        if (isAppendPositionConflict(error)) {
          // Another writer appended first: read what it wrote, then chain after it.
          this.states.set(
            key,
            await blobCall('read the audit chain', () => this.refresh(container, current)),
          );
          await contentionPause(attempt);
          continue;
        }
        this.states.delete(key);
        throw translateBlobError(error, 'append to the audit chain');
      }
      const last = records[records.length - 1] as ChainRecord;
      current.length += data.length;
      current.seq = last.seq;
      current.hash = last.hash;
      current.current.startedAt ??= records[0]?.recordedAt;
      for (const r of records) current.current.ids.add(idOf(r.event));
      if (checkpointDue(current.lastCheckpoint, last.seq, now)) {
        const checkpoint = await this.signCheckpoint({
          chain: tenantId,
          seq: last.seq,
          hash: last.hash,
          signedAt: new Date(now).toISOString(),
          previousSignature: current.lastCheckpoint?.signature ?? null,
        });
        await createOnce(
          container,
          customerSinkLayout.checkpointName(checkpoint.seq),
          JSON.stringify(checkpoint),
        );
        current.lastCheckpoint = checkpoint;
      }
      return results();
    }
    throw new DependencyUnavailableError(
      `The audit chain of tenant ${tenantId} is too contended; retry later.`,
      'customerAuditSink',
    );
  }

  /** Reads the chain's current segment (and the latest checkpoint) to know where it ends. */
  private async load(container: ContainerClient): Promise<BlobChainState> {
    const segments = await listNames(container, customerSinkLayout.segmentPrefix);
    const lastCheckpoint = await latestCheckpoint(container);
    if (segments.length === 0) {
      await createAppendBlob(container, customerSinkLayout.segmentName(0));
      return {
        segment: 0,
        length: 0,
        seq: 0,
        hash: genesisHash,
        current: { ids: new Set(), startedAt: undefined },
        previous: undefined,
        lastCheckpoint,
      };
    }
    const segment = segmentNumber(segments[segments.length - 1] as string);
    const text = await downloadText(container, customerSinkLayout.segmentName(segment));
    const records = parseLines(text);
    let tail = records[records.length - 1];
    let previous: SegmentIds | undefined;
    if (!tail && segment > 0) {
      const before = parseLines(await downloadText(container, customerSinkLayout.segmentName(segment - 1)));
      tail = before[before.length - 1];
      previous = segmentIds(before);
    }
    return {
      segment,
      length: Buffer.byteLength(text, 'utf8'),
      seq: tail?.seq ?? 0,
      hash: tail?.hash ?? genesisHash,
      current: segmentIds(records),
      previous,
      lastCheckpoint,
    };
  }

  /** Reads what was appended to the current segment since `state.length`. */
  private async refresh(container: ContainerClient, state: BlobChainState): Promise<BlobChainState> {
    const blob = container.getBlobClient(customerSinkLayout.segmentName(state.segment));
    const response = await blob.download(state.length);
    const text = (await streamText(response.readableStreamBody)) ?? '';
    const records = parseLines(text);
    const tail = records[records.length - 1];
    return {
      ...state,
      length: state.length + Buffer.byteLength(text, 'utf8'),
      seq: tail?.seq ?? state.seq,
      hash: tail?.hash ?? state.hash,
      current: {
        ids: new Set([...state.current.ids, ...records.map((r) => idOf(r.event))]),
        startedAt: state.current.startedAt ?? records[0]?.recordedAt,
      },
    };
  }

  private async nextSegment(container: ContainerClient, state: BlobChainState): Promise<BlobChainState> {
    const segment = state.segment + 1;
    await createAppendBlob(container, customerSinkLayout.segmentName(segment));
    // Another writer may have started the segment and appended already; the conditional append finds out.
    return {
      ...state,
      segment,
      length: 0,
      current: { ids: new Set(), startedAt: undefined },
      previous: state.current,
    };
  }
}

/** From when the writer knows every recorded id: the start of the oldest segment it holds the ids of. */
function coveredSince(state: BlobChainState): number {
  if (state.segment === 0 && state.previous === undefined) return -Infinity;
  const oldest = state.previous ?? state.current;
  if (state.previous && state.segment - 1 === 0) return -Infinity;
  return oldest.startedAt === undefined ? Infinity : Date.parse(oldest.startedAt);
}

/** Ids of the segments before those the writer holds, back to the one that began before `since`. */
async function olderIds(
  container: ContainerClient,
  state: BlobChainState,
  since: number,
): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let n = state.segment - (state.previous ? 2 : 1); n >= 0; n--) {
    const records = parseLines(await downloadText(container, customerSinkLayout.segmentName(n)));
    for (const r of records) ids.add(idOf(r.event));
    const first = records[0];
    if (first && Date.parse(first.recordedAt) <= since) break;
  }
  return ids;
}

function segmentIds(records: readonly ChainRecord[]): SegmentIds {
  return { ids: new Set(records.map((r) => idOf(r.event))), startedAt: records[0]?.recordedAt };
}

function idOf(event: ProjectedEvent): string {
  return event.id as string;
}

export function segmentNumber(name: string): number {
  return Number(/(\d+)\.jsonl$/.exec(name)?.[1] ?? 0);
}

export function parseLines(text: string): ChainRecord[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as ChainRecord);
}

async function listNames(container: ContainerClient, prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat({ prefix })) names.push(blob.name);
  return names.sort();
}

async function latestCheckpoint(container: ContainerClient): Promise<Checkpoint | undefined> {
  const names = await listNames(container, customerSinkLayout.checkpointPrefix);
  const last = names[names.length - 1];
  return last === undefined ? undefined : (JSON.parse(await downloadText(container, last)) as Checkpoint);
}

export async function downloadText(container: ContainerClient, name: string): Promise<string> {
  const response = await container.getBlobClient(name).download();
  return (await streamText(response.readableStreamBody)) ?? '';
}

async function streamText(stream: NodeJS.ReadableStream | undefined): Promise<string | undefined> {
  if (!stream) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

async function createAppendBlob(container: ContainerClient, name: string): Promise<void> {
  try {
    await container.getAppendBlobClient(name).create({ conditions: { ifNoneMatch: '*' } });
  } catch (error) {
    if (!(await alreadyThere(container, name, error))) throw error;
  }
}

/** Creates a blob unless it exists: nothing in the sink is ever overwritten. */
async function createOnce(
  container: ContainerClient,
  name: string,
  content: string,
  metadata?: Record<string, string>,
): Promise<void> {
  await blobCall(`write ${name.split('/')[0] ?? 'blob'}`, async () => {
    try {
      await container.getBlockBlobClient(name).upload(content, Buffer.byteLength(content), {
        conditions: { ifNoneMatch: '*' },
        ...(metadata ? { metadata } : {}),
      });
    } catch (error) {
      if (!(await alreadyThere(container, name, error))) throw error;
    }
  });
}

interface RestFailure {
  statusCode?: number;
  code?: string;
  details?: { errorCode?: string };
}

/**
 * A create that failed because the blob exists: 409 or 412, or 403 where the SAS may create but not write (creating
 * over an existing blob is a write), in which case the blob must be there to count.
 */
async function alreadyThere(container: ContainerClient, name: string, error: unknown): Promise<boolean> {
  const status = (error as RestFailure).statusCode;
  if (status === 409 || (status === 412 && !isAppendPositionConflict(error))) return true;
  return status === 403 && (await container.getBlobClient(name).exists());
}

function isAppendPositionConflict(error: unknown): boolean {
  const failure = error as RestFailure;
  return (
    failure.statusCode === 412 &&
    (failure.code === 'AppendPositionConditionNotMet' ||
      failure.details?.errorCode === 'AppendPositionConditionNotMet')
  );
}

/**
 * A customer sink that cannot be reached, or refuses us for now (an expired or rotated SAS), is "down": its events
 * wait and are delivered later. Only a request the sink can never accept is a rejection.
 */
export function translateBlobError(error: unknown, what: string): unknown {
  if (error instanceof AppError || !(error instanceof Error)) return error;
  const failure = error as RestFailure;
  const status = failure.statusCode;
  const options = { cause: error };
  if (
    status === undefined ||
    status === 0 ||
    status >= 500 ||
    [401, 403, 404, 408, 429].includes(status) ||
    (failure.code !== undefined && transientNetworkCodes.has(failure.code))
  )
    return new DependencyUnavailableError(
      `${what}: the customer's audit sink is unavailable (${failure.code ?? status ?? 'no answer'})`,
      'customerAuditSink',
      options,
    );
  return new DependencyRejectedError(
    `${what}: the customer's audit sink refused the request`,
    'customerAuditSink',
    status,
    failure.code,
    options,
  );
}

async function blobCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translateBlobError(error, what);
  }
}
