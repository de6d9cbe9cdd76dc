import { type Container, type ItemDefinition } from '@azure/cosmos';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../errors';
import { readInPartition } from '../platform/cosmos/partition';
import { cosmosCall } from '../platform/cosmos/errors';
import { type CredentialAccount } from './contract';

/** Where the record is kept: every store of the service is in the US (start-up refuses otherwise). */
export const residencyTag = 'US' as const;

export interface Person {
  oid: string;
  displayName?: string;
}

export const requestStatuses = [
  'pending',
  'approved',
  'denied',
  'expired',
  'checkedOut',
  'checkedIn',
  'leaseExpired',
  'revoked',
] as const;
export type RequestStatus = (typeof requestStatuses)[number];

/** One request for one checkout: who asked, why, who decided, the lease and the rotation that followed it. */
export interface CredentialRequestRecord {
  id: string;
  tenantId: string;
  type: 'request';
  residency: typeof residencyTag;
  account: CredentialAccount;
  instanceId: string;
  requester: Person;
  justification: string;
  ticket: string;
  leaseMinutes: number;
  status: RequestStatus;
  requestedAt: string;
  decision?: { outcome: 'approved' | 'denied' | 'breakGlass'; by: Person; at: string; reason?: string };
  lease?: { startedAt: string; endsAt: string };
  ended?: { reason: 'checkedIn' | 'leaseExpired' | 'revoked'; at: string; by?: Person };
  rotation?: { version: string; at: string };
  breakGlass?: { reason: string; reviewId: string };
  expiredAt?: string;
  /** Nobody answered within 30 minutes: the requester may break glass (if they may approve). */
  escalatedAt?: string;
}

/** One per tenant and service account: the open lease, the rotation lock, and the last rotation. */
export interface AccountStateRecord {
  id: string;
  tenantId: string;
  type: 'account';
  residency: typeof residencyTag;
  account: CredentialAccount;
  /** The Entra object id of the account, found once. */
  userId?: string;
  lease?: { requestId: string; holder: Person; startedAt: string; endsAt: string };
  /** Held from the end of a lease (or the claim of a scheduled run) until its rotation is done. */
  rotation?: { lockKey: string; since: string };
  lastRotation?: { lockKey: string; version: string; at: string };
}

/** A break-glass checkout waits here for another approver to close it. */
export interface ReviewRecord {
  id: string;
  tenantId: string;
  type: 'review';
  residency: typeof residencyTag;
  requestId: string;
  account: CredentialAccount;
  openedBy: Person;
  openedAt: string;
  reason: string;
  status: 'open' | 'closed';
  closed?: { by: Person; at: string; note: string };
}

type Stored<T> = T & { _etag?: string };

/** What a change function answers: the new document, or a refusal thrown as it is. */
export type Change<T> = (current: T) => T;

const maxConflictRetries = 5;

/** The `credentials` container: requests, account states and reviews of one tenant share its partition. */
export class AccessStore {
  constructor(private readonly container: Container) {}

  request(tenantId: string, requestId: string): Promise<CredentialRequestRecord | undefined> {
    return this.read<CredentialRequestRecord>(tenantId, requestId, 'request');
  }

  async requireRequest(tenantId: string, requestId: string): Promise<CredentialRequestRecord> {
    const found = await this.request(tenantId, requestId);
    if (!found)
      throw new NotFoundError(`Credential request ${requestId} is not known in tenant ${tenantId}.`);
    return found;
  }

  /** Creates the request; a request with the same id (the same Idempotency-Key) answers as it is stored. */
  async createRequest(
    record: CredentialRequestRecord,
  ): Promise<{ record: CredentialRequestRecord; created: boolean }> {
    try {
      await cosmosCall(`create credential request ${record.id}`, () => this.container.items.create(record));
      return { record, created: true };
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      return { record: await this.requireRequest(record.tenantId, record.id), created: false };
    }
  }

  updateRequest(
    tenantId: string,
    requestId: string,
    change: Change<CredentialRequestRecord>,
  ): Promise<CredentialRequestRecord> {
    return this.update(tenantId, requestId, 'request', change, () => {
      throw new NotFoundError(`Credential request ${requestId} is not known in tenant ${tenantId}.`);
    });
  }

  account(tenantId: string, account: CredentialAccount): Promise<AccountStateRecord | undefined> {
    return this.read<AccountStateRecord>(tenantId, accountDocumentId(account), 'account');
  }

  /** Changes an account's state under its ETag; an account seen for the first time starts empty. */
  updateAccount(
    tenantId: string,
    account: CredentialAccount,
    change: Change<AccountStateRecord>,
  ): Promise<AccountStateRecord> {
    return this.update(tenantId, accountDocumentId(account), 'account', change, () => ({
      id: accountDocumentId(account),
      tenantId,
      type: 'account',
      residency: residencyTag,
      account,
    }));
  }

  review(tenantId: string, reviewId: string): Promise<ReviewRecord | undefined> {
    return this.read<ReviewRecord>(tenantId, reviewId, 'review');
  }

  async createReview(record: ReviewRecord): Promise<void> {
    await cosmosCall(`create review ${record.id}`, () => this.container.items.upsert(record));
  }

  updateReview(tenantId: string, reviewId: string, change: Change<ReviewRecord>): Promise<ReviewRecord> {
    return this.update(tenantId, reviewId, 'review', change, () => {
      throw new NotFoundError(`Review ${reviewId} is not known in tenant ${tenantId}.`);
    });
  }

  /** Break-glass reviews an operator opened since `since`, or still open, in any tenant. */
  async breakGlassBy(oid: string, since: string): Promise<ReviewRecord[]> {
    const { resources } = await cosmosCall('list break-glass reviews', () =>
      this.container.items
        .query<Stored<ReviewRecord>>({
          query:
            "SELECT * FROM c WHERE c.type = 'review' AND c.openedBy.oid = @oid AND (c.openedAt >= @since OR c.status = 'open')",
          parameters: [
            { name: '@oid', value: oid },
            { name: '@since', value: since },
          ],
        })
        .fetchAll(),
    );
    return resources.map(strip);
  }

  /** The accounts of a tenant that have a state document. */
  async accounts(tenantId: string): Promise<AccountStateRecord[]> {
    const { resources } = await cosmosCall(`list accounts of ${tenantId}`, () =>
      this.container.items
        .query<
          Stored<AccountStateRecord>
        >({ query: "SELECT * FROM c WHERE c.type = 'account'" }, { partitionKey: tenantId })
        .fetchAll(),
    );
    return resources.map(strip);
  }

  private async read<T extends { type: string }>(
    tenantId: string,
    id: string,
    type: T['type'],
  ): Promise<T | undefined> {
    const found = await this.readStored<T>(tenantId, id);
    return found?.type === type ? strip(found) : undefined;
  }

  private async readStored<T>(tenantId: string, id: string): Promise<Stored<T> | undefined> {
    return readInPartition<Stored<T> & ItemDefinition>(this.container, tenantId, id, 'credentials document');
  }

  /**
   * Read, change, write under the ETag; a concurrent writer makes it read again. `initial` answers the document to
   * start from when there is none (or throws).
   */
  private async update<T extends { id: string; tenantId: string; type: string }>(
    tenantId: string,
    id: string,
    type: T['type'],
    change: Change<T>,
    initial: () => T,
  ): Promise<T> {
    for (let attempt = 0; attempt < maxConflictRetries; attempt++) {
      const stored = await this.readStored<T>(tenantId, id);
      const current = stored?.type === type ? strip(stored) : stored ? undefined : initial();
      if (!current) throw new NotFoundError(`${id} in tenant ${tenantId} is not a ${type}.`);
      const next = change(current);
      try {
        if (stored?._etag) {
          const etag = stored._etag;
          await cosmosCall(`replace credentials document ${id}`, () =>
            this.container
              .item(id, tenantId)
              .replace(next, { accessCondition: { type: 'IfMatch', condition: etag } }),
          );
        } else {
          await cosmosCall(`create credentials document ${id}`, () => this.container.items.create(next));
        }
        return next;
      } catch (error) {
        if (!(error instanceof PreconditionFailedError || error instanceof ConflictError)) throw error;
      }
    }
    throw new PreconditionFailedError(`${id} in tenant ${tenantId} kept changing; try again.`);
  }
}

export function accountDocumentId(account: CredentialAccount): string {
  return `account:${account}`;
}

export function reviewIdOf(requestId: string): string {
  return `review:${requestId}`;
}

function strip<T extends object>(doc: T): T {
  return Object.fromEntries(Object.entries(doc).filter(([name]) => !name.startsWith('_'))) as T;
}
