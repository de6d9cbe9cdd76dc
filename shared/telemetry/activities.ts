import { rm } from 'node:fs/promises';
import { type InvocationContext } from '@azure/functions';
import { type ContainerClient } from '@azure/storage-blob';
import { NotFoundError } from '../errors';
import { type ImplementationsOf } from '../platform/activity-registration';
import { type ApiClient } from '../platform/graph/api-client';
import { type Downloader } from '../platform/graph/download';
import { segment } from '../platform/graph/odata';
import { type TenantApis } from '../platform/graph/tenant-clients';
import { type TenantRecord } from '../domain/tenant';
import { type TenantStore } from '../tenants/store';
import {
  cadencePeriodMs,
  type IngestCounts,
  type JobState,
  type PullInput,
  type PullOutcome,
  type telemetryActivities,
  telemetrySources,
} from './contract';
import { downloadExport, exportBytes, exportRows } from './exports';
import { withRawSnapshot } from '../platform/gzip-blob';
import { RecordSink } from './records';
import {
  configurationProfilesPath,
  type ExportSourceDefinition,
  ringPolicyType,
  type Row,
  sourceDefinitions,
} from './sources';
import { dataResidency, type Freshness, type SourceStatus, type TelemetryStore } from './store';

export interface TelemetryDependencies {
  tenants: TenantStore;
  /** The tenant's clients in the background lane: a share of its Graph budget that yields to onboarding. */
  tenantApis(tenant: TenantRecord): Promise<TenantApis>;
  store: TelemetryStore;
  raw: ContainerClient;
  downloader: Downloader;
  /** Failures in a row after which a source is marked stale even if its last success is recent. */
  staleAfterFailures?: number;
}

interface ExportJobResource {
  id: string;
  status: 'unknown' | 'notStarted' | 'inProgress' | 'completed' | 'failed';
  url: string | null;
  requestDateTime?: string;
}

const exportJobsPath = '/beta/deviceManagement/reports/exportJobs';
const jobPath = (jobId: string): string => `${exportJobsPath}('${segment(jobId)}')`;

export function rawBlobName(input: PullInput, extension: string): string {
  return `${input.tenantId}/${input.source}/${input.runId.replace(/[:]/g, '-')}.${extension}.gz`;
}

function exportDefinition(input: PullInput): ExportSourceDefinition {
  const definition = sourceDefinitions[input.source];
  if (definition.kind !== 'export') throw new Error(`${input.source} is not an export source`);
  return definition;
}

export function telemetryImplementations(
  deps: TelemetryDependencies,
): ImplementationsOf<typeof telemetryActivities> {
  const staleAfter = deps.staleAfterFailures ?? 3;
  const graphOf = async (tenantId: string): Promise<ApiClient> =>
    (await deps.tenantApis(await deps.tenants.active(tenantId))).graph;

  return {
    listActiveTenants: async () => deps.tenants.activeIds(),

    listExportParts: async (input) => {
      if (!exportDefinition(input).perRingPolicy) return ['all'];
      const graph = await graphOf(input.tenantId);
      const rings: string[] = [];
      for await (const page of graph.pages<Row>(configurationProfilesPath))
        for (const profile of page)
          if (profile['@odata.type'] === ringPolicyType) rings.push(String(profile.id));
      return rings;
    },

    ensureExportJob: async (input) => {
      const pending = await deps.store.pendingJob(input.tenantId, input.source, input.part);
      if (pending) return pending.jobId;
      const definition = exportDefinition(input);
      const graph = await graphOf(input.tenantId);
      const job = await graph.post<ExportJobResource>(exportJobsPath, {
        reportName: definition.reportName,
        // Always name the columns: the default set changes without notice.
        select: [...definition.select],
        filter: input.part === 'all' ? '' : `(PolicyId eq '${input.part.replace(/'/g, "''")}')`,
        format: 'csv',
        localizationType: 'replaceLocalizableValues',
      });
      const recorded = await deps.store.addPendingJob({
        id: `job:${input.source}:${input.part}`,
        tenantId: input.tenantId,
        type: 'job',
        source: input.source,
        part: input.part,
        jobId: job.body.id,
        submittedInRun: input.runId,
      });
      return recorded.jobId;
    },

    pollExportJob: async (input): Promise<JobState> => {
      const graph = await graphOf(input.tenantId);
      try {
        const job = (await graph.get<ExportJobResource>(jobPath(input.jobId))).body;
        if (job.status === 'completed') return { status: 'completed' };
        if (job.status === 'failed')
          return { status: 'failed', reason: 'Intune ended the export job failed' };
        return { status: 'pending' };
      } catch (error) {
        if (error instanceof NotFoundError) return { status: 'failed', reason: 'the export job is gone' };
        throw error;
      }
    },

    forgetExportJob: async (input) => {
      await deps.store.removePendingJob(input.tenantId, input.source, input.part, input.jobId);
    },

    ingestSource: async (input, context: InvocationContext): Promise<IngestCounts> => {
      const tenant = await deps.tenants.active(input.tenantId);
      const apis = await deps.tenantApis(tenant);
      const definition = sourceDefinitions[input.source];
      const sink = new RecordSink(
        deps.store,
        input.tenantId,
        input.source,
        definition,
        input.runId,
        input.runAt,
      );
      let pages = 0;
      if (definition.kind === 'pages') {
        const rawBlob = rawBlobName(input, 'ndjson');
        const client = definition.service === 'graph' ? apis.graph : apis.defender;
        await withRawSnapshot(deps.raw, rawBlob, 'application/x-ndjson', async (write) => {
          for await (const page of client.pages<Row>(definition.path)) {
            pages++;
            if (page.length > 0) await write(`${page.map((row) => JSON.stringify(row)).join('\n')}\n`);
            for (const row of page) await sink.add(row);
          }
          await sink.flush();
        });
        return { pages, rows: sink.rows, changed: sink.changed, asOf: sink.asOf, rawBlob };
      }
      const rawBlob = rawBlobName(input, 'csv');
      let asOf = input.runAt;
      await withRawSnapshot(deps.raw, rawBlob, 'text/csv', async (write) => {
        for (const job of input.jobs) {
          let requested: string | undefined;
          const download = await downloadExport(deps.downloader, async () => {
            const resource = (await apis.graph.get<ExportJobResource>(jobPath(job.jobId))).body;
            if (resource.status !== 'completed' || !resource.url)
              throw new NotFoundError(`export job ${job.jobId} has no download (status ${resource.status})`);
            requested = resource.requestDateTime;
            return resource.url;
          });
          try {
            pages++;
            // The report is as of when Intune ran it; every record of this part carries that time.
            if (requested) asOf = requested;
            sink.asOf = asOf;
            for await (const chunk of exportBytes(download.path)) await write(chunk);
            for await (const row of exportRows(download.path)) await sink.add(row);
            await sink.flush();
          } finally {
            await rm(download.path, { force: true });
          }
        }
      });
      // Consumed: the next run submits afresh.
      for (const job of input.jobs)
        await deps.store.removePendingJob(input.tenantId, input.source, job.part, job.jobId);
      context.log(
        `telemetry ${input.source} of ${input.tenantId}: ${sink.rows} rows, ${sink.changed} changed`,
      );
      return { pages, rows: sink.rows, changed: sink.changed, asOf, rawBlob };
    },

    recordPull: async (input) => {
      const previous = await deps.store.status(input.tenantId, input.source);
      if (previous?.lastRunId === input.runId && previous.lastAttemptAt === input.runAt) return;
      await deps.store.putStatus(nextStatus(previous, input, input.outcome, staleAfter));
    },
  };
}

/** The source's status after one pull: a failure keeps the last good figures and counts towards staleness. */
export function nextStatus(
  previous: SourceStatus | undefined,
  input: PullInput,
  outcome: PullOutcome,
  staleAfterFailures: number,
): SourceStatus {
  const cadence = telemetrySources[input.source].cadence;
  const base: SourceStatus = previous ?? {
    id: `status:${input.source}`,
    tenantId: input.tenantId,
    type: 'status',
    source: input.source,
    cadence,
    lastRunId: input.runId,
    lastAttemptAt: input.runAt,
    consecutiveFailures: 0,
    failures: 0,
    freshness: 'never',
    residency: dataResidency,
  };
  if (outcome.status === 'succeeded') {
    const { lastError: _dropped, ...rest } = base;
    return {
      ...rest,
      cadence,
      lastRunId: input.runId,
      lastAttemptAt: input.runAt,
      lastSuccessAt: input.runAt,
      asOf: outcome.asOf,
      pages: outcome.pages,
      rows: outcome.rows,
      changedRows: outcome.changed,
      rawBlob: outcome.rawBlob,
      consecutiveFailures: 0,
      freshness: 'fresh',
    };
  }
  const consecutiveFailures = base.consecutiveFailures + (outcome.status === 'failed' ? 1 : 0);
  const freshness: Freshness =
    base.lastSuccessAt === undefined
      ? 'never'
      : consecutiveFailures >= staleAfterFailures ||
          Date.parse(input.runAt) - Date.parse(base.lastSuccessAt) > 2 * cadencePeriodMs[cadence]
        ? 'stale'
        : base.freshness;
  return {
    ...base,
    cadence,
    lastRunId: input.runId,
    lastAttemptAt: input.runAt,
    consecutiveFailures,
    failures: base.failures + (outcome.status === 'failed' ? 1 : 0),
    lastError: outcome.status === 'failed' ? outcome.error : outcome.reason,
    freshness,
  };
}
