/**
 * Intune report export jobs, and the download of a finished export. Azure serves the export from a blob SAS
 * URL that needs no bearer token and expires; the simulator serves it from its own origin under `/_downloads/`
 * (a path of its own, as a storage host is another host), guarded by a signed expiry in the URL (`se`, `sig`),
 * as a ZIP holding one file: the CSV the docs describe, or JSON for `format: json`. Every read of a completed
 * job signs a fresh URL, so a client whose link expired reads the job again.
 */
import { ZipFile } from 'yazl';
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

function downloadUrl(tenantId: string, job: ExportJob, expiresAt: number): string {
  return `${job.origin}${downloadPathPrefix}${tenantId}/${job.id}.zip?se=${expiresAt}&sig=${job.signature(expiresAt)}`;
}

function jobShape(tenantId: string, job: ExportJob, now: number, ttlMs: number): Record<string, unknown> {
  const status = job.status(now);
  const expiresAt = now + ttlMs;
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
    url: status === 'completed' ? downloadUrl(tenantId, job, expiresAt) : null,
    requestDateTime: iso(job.requestedAt),
    expirationDateTime: status === 'completed' ? iso(expiresAt) : intuneNever,
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
          ...jobShape(tenant.id, job, now, tenant.delays.exportDownloadTtlMs),
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
          tenant.exportJobs
            .all()
            .map((job) => jobShape(tenant.id, job, now, tenant.delays.exportDownloadTtlMs)),
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
        const ttl = tenantOf(world, request).delays.exportDownloadTtlMs;
        return entity(
          request,
          jobShape(tenantId, job, nowOf(request), ttl),
          'deviceManagement/reports/exportJobs',
        );
      },
    }),
  ];
}

/**
 * Serves `GET {downloadPathPrefix}{tenantId}/{jobId}.zip?se=…&sig=…` without authentication, as blob storage
 * serves a SAS URL. Returns undefined for other paths; 403/404 as Azure Storage answers a bad or expired link.
 */
export async function serveExportDownload(
  world: SimWorld,
  method: string,
  url: URL,
): Promise<SimResponse | undefined> {
  if (!url.pathname.startsWith(downloadPathPrefix)) return undefined;
  const storageError = (status: number, code: string, message: string): SimResponse => ({
    status,
    headers: { 'content-type': 'application/xml' },
    body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  });
  if (method !== 'GET')
    return storageError(405, 'UnsupportedHttpVerb', "The resource doesn't support specified Http Verb.");
  const [tenantId = '', file = ''] = url.pathname.slice(downloadPathPrefix.length).split('/');
  const jobId = file.replace(/\.zip$/i, '');
  const tenant = world.tenant(tenantId);
  let job: ExportJob | undefined;
  try {
    job = tenant?.exportJobs.get(jobId);
  } catch {
    job = undefined;
  }
  if (!tenant || !job) return storageError(404, 'BlobNotFound', 'The specified blob does not exist.');
  const now = world.clock.now();
  const expiresAt = Number(url.searchParams.get('se'));
  if (
    job.status(now) !== 'completed' ||
    !Number.isFinite(expiresAt) ||
    !job.accepts(expiresAt, url.searchParams.get('sig') ?? '', now) ||
    tenant.exportJobs.takeExpiredDownload()
  ) {
    return storageError(
      403,
      'AuthenticationFailed',
      'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.',
    );
  }
  const json = job.request.format === 'json';
  const name = `${job.request.reportName}_${job.id}.${json ? 'json' : 'csv'}`;
  return {
    status: 200,
    headers: {
      'content-type': 'application/x-zip-compressed',
      'content-disposition': `attachment; filename="${job.request.reportName}_${job.id}.zip"`,
    },
    body: await zipOf(name, Buffer.from(job.content(tenant.reportSource()), 'utf8')),
  };
}

/** One file in a ZIP, deflated, as Intune packs an export. */
function zipOf(name: string, content: Buffer): Promise<Buffer> {
  const zip = new ZipFile();
  zip.addBuffer(content, name, { compress: true, mtime: new Date(0) });
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}
