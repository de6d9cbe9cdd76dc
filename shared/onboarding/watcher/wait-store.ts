import { type Container, type ItemDefinition } from '@azure/cosmos';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../../errors';
import { cosmosCall } from '../../platform/cosmos/errors';
import { type WaitRegistration } from '../contract';

/** One device's current wait: written by the device before it waits, read in pages by its tenant's watcher. */
export interface WaitDocument extends ItemDefinition, WaitRegistration {
  id: string;
  type: 'wait';
  /** What the watcher last raised for this wait (stable JSON), so that it raises only changes. */
  reported?: string;
  /** The device's TPM as its own GET answered it (a managed device list does not carry it): read once a wait. */
  tpmPresent?: boolean;
}

/**
 * The tenant's watcher as registrations and the watcher itself see it. `stopping` is the first phase of a stop:
 * the watcher writes it, reads the waits once more, and only then writes `stopped`, each write guarded by the ETag
 * of the one before. A registration writes its wait first and reads this second; if it reads `stopping` or
 * `stopped` it writes `running` under the ETag it read. So either the watcher's re-read sees the new wait, or one
 * of the two guarded writes loses and its writer knows: the watcher carries on, or the registration starts a new
 * watcher. No wait is left without a watcher.
 */
export interface WatchDocument extends ItemDefinition {
  id: typeof watchDocumentId;
  tenantId: string;
  type: 'watch';
  /** `claimed`: a registration found the watcher stopped and owes a start; the started watcher makes it `running`. */
  state: 'running' | 'stopping' | 'stopped' | 'claimed';
  updatedAt: string;
}

const watchDocumentId = 'watch';
const maxAttempts = 8;

export function waitDocumentId(serialNumber: string): string {
  return `wait:${serialNumber.toUpperCase()}`;
}

export class WaitStore {
  constructor(
    private readonly container: Container,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Replaces the device's wait with this one (a retried registration writes the same wait again). */
  async register(registration: WaitRegistration): Promise<void> {
    const document: WaitDocument = {
      ...registration,
      id: waitDocumentId(registration.serialNumber),
      type: 'wait',
    };
    await cosmosCall(`register wait ${document.id}`, () => this.container.items.upsert(document));
  }

  async remove(tenantId: string, serialNumber: string): Promise<void> {
    const id = waitDocumentId(serialNumber);
    try {
      await cosmosCall(`remove wait ${id}`, () => this.container.item(id, tenantId).delete());
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }

  /** Every wait of the tenant, a page at a time (continuation tokens: the emulator has no OFFSET/LIMIT). */
  async *pages(tenantId: string, pageSize = 500): AsyncGenerator<WaitDocument[]> {
    const query = this.container.items.query<WaitDocument>(
      {
        query: "SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'wait'",
        parameters: [{ name: '@tenantId', value: tenantId }],
      },
      { partitionKey: tenantId, maxItemCount: pageSize },
    );
    while (query.hasMoreResults()) {
      const page = await cosmosCall('read waits', () => query.fetchNext());
      if (page.resources.length > 0) yield page.resources;
    }
  }

  async anyWaiting(tenantId: string): Promise<boolean> {
    const { resources } = await cosmosCall('read waits', () =>
      this.container.items
        .query<string>(
          {
            query: "SELECT TOP 1 VALUE c.id FROM c WHERE c.tenantId = @tenantId AND c.type = 'wait'",
            parameters: [{ name: '@tenantId', value: tenantId }],
          },
          { partitionKey: tenantId },
        )
        .fetchAll(),
    );
    return resources.length > 0;
  }

  /** Notes what was raised for a wait (and facts read for it), unless the device has registered another wait since. */
  async markReported(
    wait: WaitDocument,
    reported: string,
    facts: Pick<WaitDocument, 'tpmPresent'> = {},
  ): Promise<void> {
    const item = this.container.item(wait.id, wait.tenantId);
    const { resource, etag } = await cosmosCall(`read wait ${wait.id}`, () => item.read<WaitDocument>());
    if (!resource || !etag || resource.waitId !== wait.waitId) return;
    try {
      await cosmosCall(`mark wait ${wait.id}`, () =>
        item.replace(
          { ...resource, ...facts, reported },
          { accessCondition: { type: 'IfMatch', condition: etag } },
        ),
      );
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }

  /**
   * A registration's side of the stop protocol, called after its wait is written: `running` when a watcher runs and
   * will see the wait; `start` (with the ETag of the claim) when the caller must start one.
   */
  async claimWatcher(tenantId: string): Promise<{ claim: 'running' } | { claim: 'start'; etag: string }> {
    for (let attempt = 1; ; attempt++) {
      const { document, etag } = await this.readWatch(tenantId);
      if (document?.state === 'running') return { claim: 'running' };
      if (document?.state === 'claimed' && etag) return { claim: 'start', etag };
      try {
        // Taken from `stopping`, the watcher's guarded `stopped` now fails and it carries on.
        if (document?.state === 'stopping') {
          await this.writeWatch(tenantId, 'running', etag);
          return { claim: 'running' };
        }
        return { claim: 'start', etag: await this.writeWatch(tenantId, 'claimed', etag) };
      } catch (error) {
        const lost = error instanceof PreconditionFailedError || error instanceof ConflictError;
        if (!lost || attempt >= maxAttempts) throw error;
      }
    }
  }

  /** The claim is honoured: a watcher was started (by the claimant, or the watcher's first round says so). */
  async confirmRunning(tenantId: string, etag?: string): Promise<void> {
    const current = etag ? { etag, document: { state: 'claimed' } } : await this.readWatch(tenantId);
    if (current.document?.state !== 'claimed' || !current.etag) return;
    try {
      await this.writeWatch(tenantId, 'running', current.etag);
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }

  /**
   * The watcher's side: `stopped` only when no wait exists after `stopping` was written, and no registration
   * claimed the watcher in between.
   */
  async concludeWatch(tenantId: string): Promise<{ stopped: boolean }> {
    if (await this.anyWaiting(tenantId)) return { stopped: false };
    const { document, etag } = await this.readWatch(tenantId);
    if (document && document.state !== 'running') return { stopped: document.state === 'stopped' };
    let stoppingEtag: string;
    try {
      stoppingEtag = await this.writeWatch(tenantId, 'stopping', etag);
    } catch (error) {
      if (error instanceof PreconditionFailedError || error instanceof ConflictError)
        return { stopped: false };
      throw error;
    }
    const waiting = await this.anyWaiting(tenantId);
    try {
      await this.writeWatch(tenantId, waiting ? 'running' : 'stopped', stoppingEtag);
      return { stopped: !waiting };
    } catch (error) {
      // A registration claimed the watcher between our two writes: it counts on this watcher running on.
      if (error instanceof PreconditionFailedError) return { stopped: false };
      throw error;
    }
  }

  private async readWatch(tenantId: string): Promise<{ document?: WatchDocument; etag?: string }> {
    const { resource, etag } = await cosmosCall('read watch state', () =>
      this.container.item(watchDocumentId, tenantId).read<WatchDocument>(),
    );
    return resource ? { document: resource, ...(etag ? { etag } : {}) } : {};
  }

  /** Writes the state under the ETag read (create when there was none); answers the new ETag. */
  private async writeWatch(tenantId: string, state: WatchDocument['state'], etag?: string): Promise<string> {
    const document: WatchDocument = {
      id: watchDocumentId,
      tenantId,
      type: 'watch',
      state,
      updatedAt: this.now().toISOString(),
    };
    const response = await cosmosCall('write watch state', () =>
      etag
        ? this.container
            .item(watchDocumentId, tenantId)
            .replace(document, { accessCondition: { type: 'IfMatch', condition: etag } })
        : this.container.items.create(document),
    );
    return response.etag ?? '';
  }
}
