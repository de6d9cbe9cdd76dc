import { cadencePeriodMs, type TelemetrySource, telemetrySources } from './contract';
import { dataResidency, type Freshness, type SourceStatus, type TelemetryStore } from './store';

export interface SourceView {
  source: TelemetrySource;
  cadence: string;
  freshness: Freshness;
  lastSuccessAt: string | null;
  asOf: string | null;
  pages: number | null;
  rows: number | null;
  changedRows: number | null;
  consecutiveFailures: number;
  lastError: string | null;
}

export interface TenantTelemetryView {
  tenantId: string;
  residency: typeof dataResidency;
  sources: SourceView[];
}

/** A source is stale once it has not succeeded for two of its periods, or marked so after repeated failures. */
export function freshnessAt(status: SourceStatus | undefined, now: number): Freshness {
  if (!status?.lastSuccessAt) return 'never';
  if (status.freshness === 'stale') return 'stale';
  return now - Date.parse(status.lastSuccessAt) > 2 * cadencePeriodMs[status.cadence] ? 'stale' : 'fresh';
}

export async function tenantTelemetry(
  store: TelemetryStore,
  tenantId: string,
  now: number,
): Promise<TenantTelemetryView> {
  const statuses = new Map((await store.statuses(tenantId)).map((status) => [status.source, status]));
  return {
    tenantId,
    residency: dataResidency,
    sources: (Object.keys(telemetrySources) as TelemetrySource[]).map((source) => {
      const status = statuses.get(source);
      return {
        source,
        cadence: telemetrySources[source].cadence,
        freshness: freshnessAt(status, now),
        lastSuccessAt: status?.lastSuccessAt ?? null,
        asOf: status?.asOf ?? null,
        pages: status?.pages ?? null,
        rows: status?.rows ?? null,
        changedRows: status?.changedRows ?? null,
        consecutiveFailures: status?.consecutiveFailures ?? 0,
        lastError: status?.lastError ?? null,
      };
    }),
  };
}

/** A device's telemetry: its current record from every source that knows it, with each source's `asOf`. */
export async function deviceTelemetry(
  store: TelemetryStore,
  tenantId: string,
  managedDeviceId: string,
): Promise<{
  deviceId: string;
  sources: Record<string, { asOf: string; reporting?: string; data: unknown }[]>;
}> {
  const inventory = await store.deviceRecords(tenantId, managedDeviceId);
  const aadDeviceId = inventory.find((record) => record.source === 'inventory')?.aadDeviceId;
  const records = aadDeviceId ? await store.deviceRecords(tenantId, managedDeviceId, aadDeviceId) : inventory;
  const sources: Record<string, { asOf: string; reporting?: string; data: unknown }[]> = {};
  for (const record of records)
    (sources[record.source] ??= []).push({
      asOf: record.asOf,
      ...(record.reporting ? { reporting: record.reporting } : {}),
      data: record.data,
    });
  return { deviceId: managedDeviceId, sources };
}
