import { createHash } from 'node:crypto';
import { type TelemetrySource } from './contract';
import { type Row, type SourceDefinition } from './sources';
import { dataResidency, type TelemetryRecord, type TelemetryStore } from './store';

const notReportingAfterMs = 7 * 24 * 3_600_000;
/** Rows compared and written per round trip: one hash query and a few bulk calls. */
const chunkSize = 250;

/** JSON with keys in order, so that the same content always hashes the same. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function reportingState(lastReport: string | undefined, asOf: string): 'reporting' | 'notReporting' {
  const at = lastReport === undefined ? Number.NaN : Date.parse(lastReport);
  if (!Number.isFinite(at)) return 'notReporting';
  return Date.parse(asOf) - at > notReportingAfterMs ? 'notReporting' : 'reporting';
}

/** The content hash of a row: every field but the volatile ones, plus the reporting verdict. */
export function contentHash(definition: SourceDefinition, row: Row, reporting: string | undefined): string {
  const kept = Object.fromEntries(
    Object.entries(row).filter(([name]) => !definition.volatile.includes(name)),
  );
  return createHash('sha256')
    .update(stableJson({ kept, reporting: reporting ?? null }))
    .digest('base64url')
    .slice(0, 22);
}

/**
 * Turns a stream of rows into current-state records, a chunk at a time: each chunk's stored hashes are read with
 * one query, and only rows whose content changed are written. Memory holds one chunk, whatever the tenant's size.
 */
export class RecordSink {
  private chunk = new Map<string, TelemetryRecord>();
  rows = 0;
  changed = 0;

  constructor(
    private readonly store: TelemetryStore,
    private readonly tenantId: string,
    private readonly source: TelemetrySource,
    private readonly definition: SourceDefinition,
    private readonly runId: string,
    public asOf: string,
  ) {}

  async add(row: Row): Promise<void> {
    this.rows++;
    const key = this.definition.key(row);
    const reporting = this.definition.lastReport
      ? reportingState(this.definition.lastReport(row), this.asOf)
      : undefined;
    const deviceId = this.definition.deviceId(row);
    const aadDeviceId = this.definition.aadDeviceId?.(row);
    const record: TelemetryRecord = {
      id: `${this.source}:${key}`,
      tenantId: this.tenantId,
      type: 'record',
      source: this.source,
      key,
      ...(deviceId ? { deviceId } : {}),
      ...(aadDeviceId ? { aadDeviceId } : {}),
      data: row,
      ...(reporting ? { reporting } : {}),
      hash: contentHash(this.definition, row, reporting),
      asOf: this.asOf,
      residency: dataResidency,
      runId: this.runId,
    };
    // A row seen twice in one pull (a page boundary that moved) is one record: the later one wins.
    this.chunk.set(record.id, record);
    if (this.chunk.size >= chunkSize) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.chunk.size === 0) return;
    const records = [...this.chunk.values()];
    this.chunk = new Map();
    const stored = await this.store.hashes(
      this.tenantId,
      records.map((record) => record.id),
    );
    const changed = records.filter((record) => stored.get(record.id) !== record.hash);
    await this.store.upsertAll(this.tenantId, changed);
    this.changed += changed.length;
  }
}
