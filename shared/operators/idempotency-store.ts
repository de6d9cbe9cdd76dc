import { createHash } from 'node:crypto';
import { type Container } from '@azure/cosmos';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../errors';
import { cosmosCall } from '../platform/cosmos/errors';

/** The answer a write gave, kept so that a repeat of the request gets it again. */
export interface StoredAnswer {
  status: number;
  body: unknown;
}

interface IdempotencyDocument {
  id: string;
  tenantId: string;
  /** A hash of what was asked (operation, caller, body): the same key with another request is refused. */
  requestHash: string;
  state: 'pending' | 'done';
  answer?: StoredAnswer;
  createdAt: string;
}

export type Claim =
  | { kind: 'claimed'; id: string }
  | { kind: 'replay'; answer: StoredAnswer }
  /** The key was used for a different request. */
  | { kind: 'mismatch' }
  /** The first request with this key is still being answered. */
  | { kind: 'inProgress' };

/** A claim left pending this long belongs to a request that died; the next repeat takes it over. */
const stalePendingMs = 2 * 60_000;

/**
 * `Idempotency-Key` records in Cosmos `idempotency-keys`, partitioned by tenant. Creating the record is the atomic
 * claim (Cosmos answers 409 to the second creator); the answer is stored when the write has succeeded, and a claim
 * is given back when it failed, so that a retry of a failed request runs again.
 */
export class IdempotencyStore {
  constructor(
    private readonly container: Container,
    private readonly now: () => number = Date.now,
  ) {}

  /** Keys are per operator and operation: two operators, or two operations, never share one. */
  static key(parts: { operation: string; oid: string; key: string }): string {
    return createHash('sha256').update(`${parts.operation}\n${parts.oid}\n${parts.key}`).digest('hex');
  }

  static requestHash(request: unknown): string {
    return createHash('sha256').update(JSON.stringify(request)).digest('hex');
  }

  async claim(tenantId: string, id: string, requestHash: string): Promise<Claim> {
    const document: IdempotencyDocument = {
      id,
      tenantId,
      requestHash,
      state: 'pending',
      createdAt: new Date(this.now()).toISOString(),
    };
    try {
      await cosmosCall('claim idempotency key', () => this.container.items.create(document));
      return { kind: 'claimed', id };
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
    const { resource: existing, etag } = await cosmosCall('read idempotency key', () =>
      this.container.item(id, tenantId).read<IdempotencyDocument>(),
    );
    if (!existing) return this.claim(tenantId, id, requestHash);
    if (existing.requestHash !== requestHash) return { kind: 'mismatch' };
    if (existing.state === 'done' && existing.answer) return { kind: 'replay', answer: existing.answer };
    if (this.now() - Date.parse(existing.createdAt) < stalePendingMs || !etag) return { kind: 'inProgress' };
    try {
      await cosmosCall('take over idempotency key', () =>
        this.container
          .item(id, tenantId)
          .replace(document, { accessCondition: { type: 'IfMatch', condition: etag } }),
      );
      return { kind: 'claimed', id };
    } catch (error) {
      if (error instanceof PreconditionFailedError) return { kind: 'inProgress' };
      throw error;
    }
  }

  async complete(tenantId: string, id: string, requestHash: string, answer: StoredAnswer): Promise<void> {
    const document: IdempotencyDocument = {
      id,
      tenantId,
      requestHash,
      state: 'done',
      answer,
      createdAt: new Date(this.now()).toISOString(),
    };
    await cosmosCall('store idempotent answer', () => this.container.items.upsert(document));
  }

  async release(tenantId: string, id: string): Promise<void> {
    try {
      await cosmosCall('release idempotency key', () => this.container.item(id, tenantId).delete());
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
}
