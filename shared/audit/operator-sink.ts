import { type Container, type ItemDefinition } from '@azure/cosmos';
import { ConflictError, DependencyUnavailableError, PreconditionFailedError } from '../errors';
import { cosmosCall } from '../platform/cosmos/errors';
import { type Checkpoint, type ChainRecord, checkpointDue, extendChain, genesisHash } from './chain';
import { contentionPause, GroupCommit } from './group-commit';
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
 * A chain's head: its last position and hash, and the records (and checkpoint) of the last commit in full. A commit
 * is one conditional write of the head (If-Match on its ETag), which is what keeps concurrent writers from forking
 * the chain; the records are written after it, and whoever reads a head next writes any of them that are missing
 * (409 = already there) before going on, so a writer that stopped between the two loses nothing.
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
}

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

  private async commit(chain: string, events: ProjectedEvent[]): Promise<AppendResult[]> {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const head = this.heads.get(chain) ?? (await this.readHead(chain));
      if (!head.materialised) {
        await this.materialise(head.doc);
        head.materialised = true;
      }
      const inHead = new Set(head.doc.pending.map((r) => idOf(r.event)));
      const firstOfId = new Map<string, ProjectedEvent>();
      for (const e of events) if (!firstOfId.has(idOf(e))) firstOfId.set(idOf(e), e);
      const candidates = [...firstOfId.values()].filter((e) => !inHead.has(idOf(e)));
      const recorded = await Promise.all(candidates.map((e) => this.exists(chain, idOf(e))));
      const fresh = candidates.filter((_, i) => !recorded[i]);
      const freshIds = new Set(fresh.map(idOf));
      const results = (): AppendResult[] =>
        events.map((e) => (freshIds.has(idOf(e)) && firstOfId.get(idOf(e)) === e ? 'appended' : 'duplicate'));
      if (fresh.length === 0) return results();

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
      const next: HeadDocument = {
        id: headId,
        kind: 'head',
        chain,
        seq: last.seq,
        hash: last.hash,
        pending: records,
        ...((checkpoint ?? head.doc.lastCheckpoint)
          ? { lastCheckpoint: (checkpoint ?? head.doc.lastCheckpoint) as Checkpoint }
          : {}),
        ...(checkpoint ? { pendingCheckpoint: checkpoint } : {}),
      };
      let etag: string | undefined;
      try {
        etag = await this.writeHead(next, head.etag);
      } catch (error) {
        if (error instanceof PreconditionFailedError || error instanceof ConflictError) {
          // Another writer moved the head first: read it again, drop what it recorded, chain after it.
          this.heads.delete(chain);
          await contentionPause(attempt);
          continue;
        }
        this.heads.delete(chain);
        throw error;
      }
      const written: CachedHead = { doc: next, etag, materialised: false };
      this.heads.set(chain, written);
      await this.materialise(next);
      written.materialised = true;
      return results();
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
      };
    return { doc: stripSystem(resource), etag: response.etag, materialised: false };
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

  private async exists(chain: string, id: string): Promise<boolean> {
    const response = await cosmosCall(`read audit record ${id}`, () =>
      this.container.item(id, chain).read<ItemDefinition>(),
    );
    return response.resource !== undefined;
  }

  /** Writes the head's records and checkpoint that are not there yet. */
  private async materialise(head: HeadDocument): Promise<void> {
    const documents: (RecordDocument | CheckpointDocument)[] = head.pending.map((r) => ({
      ...r,
      id: idOf(r.event),
      kind: 'record',
    }));
    if (head.pendingCheckpoint)
      documents.push({
        ...head.pendingCheckpoint,
        id: checkpointDocumentId(head.pendingCheckpoint.seq),
        kind: 'checkpoint',
      });
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
