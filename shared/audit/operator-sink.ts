import { type Container, type ItemDefinition } from '@azure/cosmos';
import { ConflictError, DependencyUnavailableError, PreconditionFailedError } from '../errors';
import { cosmosCall } from '../platform/cosmos/errors';
import { type Checkpoint, type ChainRecord, checkpointDue, extendChain, genesisHash } from './chain';
import { type Committed, contentionPause, GroupCommit } from './group-commit';
import { type ProjectedEvent } from './projection';

/** The chain of the actions of the operator environment alone (no customer tenant). */
export const operatorEnvironmentChain = 'operator-environment';

export function chainOf(event: { tenantId?: string | undefined }): string {
  return event.tenantId ?? operatorEnvironmentChain;
}

export type AppendResult = 'appended' | 'duplicate';

/** Signs a checkpoint of a chain's head (the writer decides when one is due). */
export type CheckpointSigner = (body: {
  chain: string;
  seq: number;
  hash: string;
  signedAt: string;
  previousSignature: string | null;
}) => Promise<Checkpoint>;

/** A record in Cosmos: its id is the event's id, so a record exists once per event. */
export interface RecordDocument extends ChainRecord {
  id: string;
  kind: 'record';
}

export interface CheckpointDocument extends Checkpoint {
  id: string;
  kind: 'checkpoint';
}

/**
 * A chain's head: its last position and hash, and in full every record (and the checkpoint) that its writer has not
 * yet seen written as a document. A commit is one conditional write of the head (If-Match on its ETag), which is
 * what keeps concurrent writers from forking the chain; the records are written after it (while the next commit
 * already runs), and whoever reads a head writes any of them that are missing (409 = already there) before going on,
 * so a writer that stopped between the two loses nothing.
 */
export interface HeadDocument {
  id: typeof headId;
  kind: 'head';
  chain: string;
  seq: number;
  hash: string;
  pending: ChainRecord[];
  lastCheckpoint?: Checkpoint;
  pendingCheckpoint?: Checkpoint;
}

const headId = '_head';
const maxAttempts = 200;

export const checkpointDocumentId = (seq: number): string => `checkpoint-${String(seq).padStart(12, '0')}`;

interface CachedHead {
  doc: HeadDocument;
  etag: string | undefined;
  materialised: boolean;
  /** Records in `doc.pending` whose documents are not yet known to be written, oldest first. */
  unconfirmed: ChainRecord[];
  /** Writes of those documents in flight. */
  inFlight: Set<Promise<void>>;
}

/** Records carried in a head while their documents are being written; past this, a commit waits for the writes. */
const maxUnconfirmed = 512;

/** The operator environment's sink: the Cosmos `audit` container, one hash chain per tenant. */
export class OperatorSink {
  private readonly heads = new Map<string, CachedHead>();
  private readonly commits: GroupCommit<ProjectedEvent, AppendResult>;

  constructor(
    private readonly container: Container,
    private readonly signCheckpoint: CheckpointSigner,
    private readonly now: () => number = Date.now,
  ) {
    this.commits = new GroupCommit((chain, events) => this.commit(chain, events));
  }

  /** Appends a projected event to its chain, once: an event already recorded is a duplicate. */
  append(chain: string, event: ProjectedEvent & { id: string }): Promise<AppendResult> {
    return this.commits.submit(chain, event);
  }

  private async commit(chain: string, events: ProjectedEvent[]): Promise<Committed<AppendResult>> {
    const firstOfId = new Map<string, ProjectedEvent>();
    for (const e of events) if (!firstOfId.has(idOf(e))) firstOfId.set(idOf(e), e);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const head = this.heads.get(chain) ?? (await this.readHead(chain));
      this.heads.set(chain, head);
      if (!head.materialised) {
        await this.materialise(head.doc.pending, head.doc.pendingCheckpoint);
        head.materialised = true;
      }
      while (head.unconfirmed.length > maxUnconfirmed && head.inFlight.size > 0)
        await Promise.race(head.inFlight).catch(() => undefined);
      const inHead = new Set(head.doc.pending.map((r) => idOf(r.event)));
      const candidates = [...firstOfId.values()].filter((e) => !inHead.has(idOf(e)));
      const recorded = await this.recordedOf(chain, candidates.map(idOf));
      const fresh = candidates.filter((e) => !recorded.has(idOf(e)));
      const freshIds = new Set(fresh.map(idOf));
      const results = events.map(
        (e): AppendResult =>
          freshIds.has(idOf(e)) && firstOfId.get(idOf(e)) === e ? 'appended' : 'duplicate',
      );
      // A duplicate found in the head is durable only once the head's earlier writes are.
      if (fresh.length === 0) return { results, durable: Promise.all(head.inFlight).then(() => undefined) };

      const now = this.now();
      const records = extendChain(head.doc, fresh, new Date(now).toISOString());
      const last = records[records.length - 1] as ChainRecord;
      const checkpoint = checkpointDue(head.doc.lastCheckpoint, last.seq, now)
        ? await this.signCheckpoint({
            chain,
            seq: last.seq,
            hash: last.hash,
            signedAt: new Date(now).toISOString(),
            previousSignature: head.doc.lastCheckpoint?.signature ?? null,
          })
        : undefined;
      const pending = [...head.unconfirmed, ...records];
      const next: HeadDocument = {
        id: headId,
        kind: 'head',
        chain,
        seq: last.seq,
        hash: last.hash,
        pending,
        ...((checkpoint ?? head.doc.lastCheckpoint)
          ? { lastCheckpoint: (checkpoint ?? head.doc.lastCheckpoint) as Checkpoint }
          : {}),
        ...(checkpoint ? { pendingCheckpoint: checkpoint } : {}),
      };
      let etag: string | undefined;
      try {
        etag = await this.writeHead(next, head.etag);
      } catch (error) {
        // Another writer moved the head first (412/409): read it again, drop what it recorded, chain after it.
        this.heads.delete(chain);
        if (!(error instanceof PreconditionFailedError || error instanceof ConflictError)) throw error;
        await contentionPause(attempt);
        continue;
      }
      head.doc = next;
      head.etag = etag;
      head.unconfirmed = pending;
      // A checkpoint is rare: written now, so that the next head need not carry it.
      if (checkpoint) {
        try {
          await this.materialise([], checkpoint);
        } catch (error) {
          // The head still names it: reading the head afresh writes it (and the records) before going on.
          this.heads.delete(chain);
          throw error;
        }
      }
      const writing = this.materialise(records).then(
        () => {
          head.unconfirmed = head.unconfirmed.filter((r) => !records.includes(r));
        },
        (error: unknown) => {
          // Whoever reads the head next writes them; this process reads it afresh.
          if (this.heads.get(chain) === head) this.heads.delete(chain);
          throw error;
        },
      );
      head.inFlight.add(writing);
      const settled = writing.finally(() => head.inFlight.delete(writing));
      settled.catch(() => undefined);
      return { results, durable: settled };
    }
    throw new DependencyUnavailableError(`The audit chain ${chain} is too contended; retry later.`, 'cosmos');
  }

  private async readHead(chain: string): Promise<CachedHead> {
    const response = await cosmosCall(`read audit head of ${chain}`, () =>
      this.container.item(headId, chain).read<HeadDocument & ItemDefinition>(),
    );
    const resource = response.resource;
    if (!resource)
      return {
        doc: { id: headId, kind: 'head', chain, seq: 0, hash: genesisHash, pending: [] },
        etag: undefined,
        materialised: true,
        unconfirmed: [],
        inFlight: new Set(),
      };
    return {
      doc: stripSystem(resource),
      etag: response.etag,
      materialised: false,
      unconfirmed: [],
      inFlight: new Set(),
    };
  }

  private async writeHead(doc: HeadDocument, etag: string | undefined): Promise<string | undefined> {
    const response = await cosmosCall(`write audit head of ${doc.chain}`, () =>
      etag === undefined
        ? this.container.items.create(doc)
        : this.container
            .item(headId, doc.chain)
            .replace(doc, { accessCondition: { type: 'IfMatch', condition: etag } }),
    );
    return response.etag;
  }

  /** Which of these ids the chain already holds: one query within the chain's partition, or one point read. */
  private async recordedOf(chain: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    if (ids.length === 1) {
      const [id] = ids as [string];
      const response = await cosmosCall(`read audit record ${id}`, () =>
        this.container.item(id, chain).read<ItemDefinition>(),
      );
      return new Set(response.resource === undefined ? [] : [id]);
    }
    const parameters = ids.map((value, i) => ({ name: `@id${i}`, value }));
    const { resources } = await cosmosCall(`look up audit records of ${chain}`, () =>
      this.container.items
        .query<{ id: string }>(
          {
            query: `SELECT c.id FROM c WHERE c.chain = @chain AND c.id IN (${parameters.map((p) => p.name).join(', ')})`,
            parameters: [{ name: '@chain', value: chain }, ...parameters],
          },
          { partitionKey: chain },
        )
        .fetchAll(),
    );
    return new Set(resources.map((r) => r.id));
  }

  /** Writes records and a checkpoint as documents, unless they are there already. */
  private async materialise(records: readonly ChainRecord[], checkpoint?: Checkpoint): Promise<void> {
    const documents: (RecordDocument | CheckpointDocument)[] = records.map((r) => ({
      ...r,
      id: idOf(r.event),
      kind: 'record',
    }));
    if (checkpoint)
      documents.push({ ...checkpoint, id: checkpointDocumentId(checkpoint.seq), kind: 'checkpoint' });
    await Promise.all(
      documents.map(async (doc) => {
        try {
          await cosmosCall(`write audit ${doc.kind} ${doc.id}`, () => this.container.items.create(doc));
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error;
        }
      }),
    );
  }
}

function idOf(event: ProjectedEvent): string {
  return event.id as string;
}

function stripSystem<T extends object>(resource: T): T {
  const copy = { ...resource } as Record<string, unknown>;
  for (const key of ['_rid', '_self', '_etag', '_attachments', '_ts']) delete copy[key];
  return copy as T;
}
