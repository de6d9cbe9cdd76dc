import { type Container, type ItemDefinition } from '@azure/cosmos';
import { bulkRead, bulkWrite } from '../platform/cosmos/bulk';
import { cosmosCall } from '../platform/cosmos/errors';
import { queryInPartition, readInPartition } from '../platform/cosmos/partition';
import { type Cadence, type TelemetrySource } from './contract';

/** Where the operator environment keeps the data: every record says so. */
export const dataResidency = 'US';

/**
 * The current state of one row of one source: one record per device (or user, or device × policy) and source, in
 * the tenant's partition. Written only when `hash` changes.
 */
export interface TelemetryRecord extends ItemDefinition {
  /** `{source}:{key}` */
  id: string;
  tenantId: string;
  type: 'record';
  source: TelemetrySource;
  key: string;
  deviceId?: string;
  aadDeviceId?: string;
  /** The row as the source gave it, as of `asOf`. */
  data: Record<string, unknown>;
  /** `notReporting` once the device has not reported for 7 days: a state of its own, not a compliance verdict. */
  reporting?: 'reporting' | 'notReporting';
  hash: string;
  asOf: string;
  residency: typeof dataResidency;
  runId: string;
}

export type Freshness = 'fresh' | 'stale' | 'never';

export interface SourceStatus extends ItemDefinition {
  /** `status:{source}` */
  id: string;
  tenantId: string;
  type: 'status';
  source: TelemetrySource;
  cadence: Cadence;
  lastRunId: string;
  lastAttemptAt: string;
  lastSuccessAt?: string;
  asOf?: string;
  pages?: number;
  rows?: number;
  changedRows?: number;
  rawBlob?: string;
  consecutiveFailures: number;
  failures: number;
  lastError?: string;
  freshness: Freshness;
  residency: typeof dataResidency;
}

/** An export job submitted and not yet consumed: the one pending job per tenant, source and part. */
export interface PendingJob extends ItemDefinition {
  /** `job:{source}:{part}` */
  id: string;
  tenantId: string;
  type: 'job';
  source: TelemetrySource;
  part: string;
  jobId: string;
  submittedInRun: string;
}

export class TelemetryStore {
  constructor(private readonly container: Container) {}

  /**
   * The stored hashes of these record ids (one chunk of a page, never the whole tenant), by point reads in one bulk
   * call: each costs the same whatever the container holds, where a query over ids would scan it.
   */
  async hashes(tenantId: string, ids: readonly string[]): Promise<Map<string, string>> {
    const records = await bulkRead<{ hash?: unknown }>(
      this.container,
      tenantId,
      ids,
      `read telemetry hashes of ${tenantId}`,
    );
    const found = new Map<string, string>();
    for (const [id, record] of records) if (typeof record.hash === 'string') found.set(id, record.hash);
    return found;
  }

  /** Upserts records in bulk; a record already written by an earlier attempt is simply written again. */
  async upsertAll(tenantId: string, records: readonly TelemetryRecord[]): Promise<number> {
    await bulkWrite(this.container, tenantId, { upsert: records }, `write telemetry of ${tenantId}`);
    return records.length;
  }

  async status(tenantId: string, source: TelemetrySource): Promise<SourceStatus | undefined> {
    return this.read<SourceStatus>(tenantId, `status:${source}`);
  }

  async statuses(tenantId: string): Promise<SourceStatus[]> {
    return this.queryAll<SourceStatus>(tenantId, "c.type = 'status'", []);
  }

  async putStatus(status: SourceStatus): Promise<void> {
    await cosmosCall(`write telemetry status ${status.id} of ${status.tenantId}`, () =>
      this.container.items.upsert(status),
    );
  }

  /** Every record of one device, across sources (by its Intune id, or its Entra id for Defender's). */
  async deviceRecords(tenantId: string, deviceId: string, aadDeviceId?: string): Promise<TelemetryRecord[]> {
    return this.queryAll<TelemetryRecord>(
      tenantId,
      "c.type = 'record' AND (c.deviceId = @deviceId OR (IS_DEFINED(c.aadDeviceId) AND c.aadDeviceId = @aadDeviceId))",
      [
        { name: '@deviceId', value: deviceId },
        { name: '@aadDeviceId', value: aadDeviceId ?? '-' },
      ],
    );
  }

  /** Records of one source of a tenant, a page at a time (for tests and checks). */
  async *records(tenantId: string, source: TelemetrySource): AsyncGenerator<TelemetryRecord[]> {
    const iterator = this.container.items.query<TelemetryRecord>(
      {
        query: "SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'record' AND c.source = @source",
        parameters: [
          { name: '@tenantId', value: tenantId },
          { name: '@source', value: source },
        ],
      },
      { partitionKey: tenantId, maxItemCount: 1000 },
    );
    while (iterator.hasMoreResults()) {
      const page = await cosmosCall(`read telemetry of ${tenantId}`, () => iterator.fetchNext());
      if (page.resources.length > 0) yield page.resources;
    }
  }

  async pendingJob(tenantId: string, source: TelemetrySource, part: string): Promise<PendingJob | undefined> {
    return this.read<PendingJob>(tenantId, `job:${source}:${part}`);
  }

  /** Records a submitted job; when another writer got there first, theirs stands and is returned. */
  async addPendingJob(job: PendingJob): Promise<PendingJob> {
    try {
      await cosmosCall(`record export job ${job.id} of ${job.tenantId}`, () =>
        this.container.items.create(job),
      );
      return job;
    } catch (error) {
      const existing = await this.pendingJob(job.tenantId, job.source, job.part);
      if (existing) return existing;
      throw error;
    }
  }

  async removePendingJob(
    tenantId: string,
    source: TelemetrySource,
    part: string,
    jobId: string,
  ): Promise<void> {
    const existing = await this.pendingJob(tenantId, source, part);
    if (!existing || existing.jobId !== jobId) return;
    await cosmosCall(`forget export job ${existing.id} of ${tenantId}`, () =>
      this.container.item(existing.id, tenantId).delete(),
    ).catch((error: unknown) => {
      if ((error as { code?: string }).code !== 'not_found') throw error;
    });
  }

  private read<T extends ItemDefinition>(tenantId: string, id: string): Promise<T | undefined> {
    return readInPartition<T>(this.container, tenantId, id, 'telemetry');
  }

  private queryAll<T>(
    tenantId: string,
    where: string,
    parameters: { name: string; value: string }[],
  ): Promise<T[]> {
    return queryInPartition<T>(this.container, tenantId, where, parameters, 'telemetry');
  }
}
