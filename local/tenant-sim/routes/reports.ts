/**
 * Intune report export jobs, and the download of a finished export. Azure serves the export from a blob SAS
 * URL that needs no bearer token; the simulator serves it from its own origin under `/_downloads/`, guarded
 * by the token in the URL, unzipped (CSV as the real ZIP contains, or JSON for `format: json`).
 */
import { type SimRequest, type SimResponse, type SimRoute } from '../contract';
import { type SimWorld, ModelError, Permission } from '../model';
import { type ExportJob, type ExportRequest } from '../model/reports';
import {
  contextUrl,
  created,
  entity,
  intuneNever,
  iso,
  list,
  nowOf,
  objectBody,
  optionalString,
  route,
  tenantOf,
} from './common';

const graph = ['graph-v1.0', 'graph-beta'] as const;
const base = '/deviceManagement/reports/exportJobs';
const readers = [
  Permission.configurationRead,
  Permission.configurationReadWrite,
  Permission.appsRead,
  Permission.appsReadWrite,
  Permission.managedDevicesRead,
  Permission.managedDevicesReadWrite,
];
const writers = [
  Permission.configurationReadWrite,
  Permission.appsReadWrite,
  Permission.managedDevicesReadWrite,
];

/** Where finished exports are downloaded from: `{origin}/_downloads/exportJobs/{tenantId}/{jobId}?token=…`. */
export const downloadPathPrefix = '/_downloads/exportJobs/';

function downloadUrl(tenantId: string, job: ExportJob): string {
  return `${job.origin}${downloadPathPrefix}${tenantId}/${job.id}?token=${job.token}`;
}

function jobShape(tenantId: string, job: ExportJob, now: number): Record<string, unknown> {
  const status = job.status(now);
  return {
    '@odata.type': '#microsoft.graph.deviceManagementExportJob',
    id: job.id,
    reportName: job.request.reportName,
    filter: job.request.filter,
    select: [...job.request.select],
    format: job.request.format,
    snapshotId: null,
    localizationType: job.request.localizationType,
    status,
    url: status === 'completed' ? downloadUrl(tenantId, job) : null,
    requestDateTime: iso(job.requestedAt),
    expirationDateTime: status === 'completed' ? iso(job.expiresAt) : intuneNever,
  };
}

function exportRequest(body: Record<string, unknown>): ExportRequest {
  const reportName = optionalString(body, 'reportName');
  if (!reportName) throw new ModelError(400, 'BadRequest', "The property 'reportName' is required.");
  if (body.snapshotId !== undefined && body.snapshotId !== null)
    throw new ModelError(400, 'BadRequest', 'Snapshots are not supported by the simulator.');
  const select = body.select ?? [];
  if (!Array.isArray(select) || select.some((column) => typeof column !== 'string'))
    throw new ModelError(400, 'BadRequest', "Invalid value for property 'select'.");
  const format = optionalString(body, 'format') ?? 'csv';
  if (format !== 'csv' && format !== 'json')
    throw new ModelError(400, 'BadRequest', `The format '${format}' is not supported; use csv or json.`);
  const localizationType = optionalString(body, 'localizationType') ?? 'localizedValuesAsAdditionalColumn';
  if (
    localizationType !== 'localizedValuesAsAdditionalColumn' &&
    localizationType !== 'replaceLocalizableValues'
  ) {
    throw new ModelError(
      400,
      'BadRequest',
      `Invalid value '${localizationType}' for property 'localizationType'.`,
    );
  }
  return {
    reportName,
    filter: optionalString(body, 'filter') ?? '',
    select: select as string[],
    format,
    localizationType,
  };
}

export function reportRoutes(world: SimWorld): SimRoute[] {
  const jobOf = (request: SimRequest): { tenantId: string; job: ExportJob } => {
    const tenant = tenantOf(world, request);
    return { tenantId: tenant.id, job: tenant.exportJobs.get(request.params.id ?? '') };
  };
  return [
    route({
      method: 'POST',
      surfaces: [...graph],
      pattern: base,
      write: true,
      permissions: writers,
      handler: (request) => {
        const tenant = tenantOf(world, request);
        const now = nowOf(request);
        const job = tenant.exportJobs.create(
          exportRequest(objectBody(request)),
          now,
          new URL(request.baseUrl).origin,
        );
        return created({
          '@odata.context': contextUrl(request, 'deviceManagement/reports/exportJobs/$entity'),
          ...jobShape(tenant.id, job, now),
        });
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: base,
      write: false,
      permissions: readers,
      handler: (request) => {
        const tenant = tenantOf(world, request);
        const now = nowOf(request);
        return list(
          request,
          tenant.exportJobs.all().map((job) => jobShape(tenant.id, job, now)),
          'deviceManagement/reports/exportJobs',
        );
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: `${base}/{id}`,
      write: false,
      permissions: readers,
      handler: (request) => {
        const { tenantId, job } = jobOf(request);
        return entity(
          request,
          jobShape(tenantId, job, nowOf(request)),
          'deviceManagement/reports/exportJobs',
        );
      },
    }),
  ];
}

/**
 * Serves `GET {downloadPathPrefix}{tenantId}/{jobId}?token=…` without authentication, as blob storage serves a
 * SAS URL. Returns undefined for other paths; 403/404 as Azure Storage answers a bad or expired link.
 */
export function serveExportDownload(world: SimWorld, method: string, url: URL): SimResponse | undefined {
  if (!url.pathname.startsWith(downloadPathPrefix)) return undefined;
  const storageError = (status: number, code: string, message: string): SimResponse => ({
    status,
    headers: { 'content-type': 'application/xml' },
    body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  });
  if (method !== 'GET')
    return storageError(405, 'UnsupportedHttpVerb', "The resource doesn't support specified Http Verb.");
  const [tenantId = '', jobId = ''] = url.pathname.slice(downloadPathPrefix.length).split('/');
  const tenant = world.tenant(tenantId);
  let job: ExportJob | undefined;
  try {
    job = tenant?.exportJobs.get(jobId);
  } catch {
    job = undefined;
  }
  if (!tenant || !job) return storageError(404, 'BlobNotFound', 'The specified blob does not exist.');
  const now = world.clock.now();
  if (url.searchParams.get('token') !== job.token || job.status(now) !== 'completed' || now > job.expiresAt) {
    return storageError(
      403,
      'AuthenticationFailed',
      'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.',
    );
  }
  const json = job.request.format === 'json';
  return {
    status: 200,
    headers: {
      'content-type': json ? 'application/json' : 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${job.request.reportName}_${job.id}.${json ? 'json' : 'csv'}"`,
    },
    body: job.content(tenant.reportSource()),
  };
}
