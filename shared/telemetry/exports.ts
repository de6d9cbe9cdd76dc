import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { type Entry, type ZipFile, open as openZip } from 'yauzl';
import { DependencyUnavailableError } from '../errors';
import { type Downloader, ExpiredDownloadError } from '../platform/graph/download';
import { type Row } from './sources';

/** A link is refused this many times (each time after reading the job again for a new one) before the pull fails. */
const linkAttempts = 3;

/**
 * Downloads an export's ZIP to a temporary file (memory stays flat whatever the report's size), reading the job
 * again for a fresh link whenever the one it has was refused as expired. Returns the file; the caller removes it.
 */
export async function downloadExport(
  downloader: Downloader,
  freshUrl: () => Promise<string>,
): Promise<{ path: string; bytes: number }> {
  const path = join(tmpdir(), `mds-export-${randomUUID()}.zip`);
  for (let attempt = 1; ; attempt++) {
    try {
      const bytes = await downloader.toFile(await freshUrl(), path);
      return { path, bytes };
    } catch (error) {
      await rm(path, { force: true });
      if (!(error instanceof ExpiredDownloadError) || attempt >= linkAttempts) throw error;
    }
  }
}

function openFirstEntry(path: string): Promise<{ zip: ZipFile; entry: Entry }> {
  return new Promise((resolve, reject) => {
    openZip(path, { lazyEntries: true, autoClose: false }, (error, zip) => {
      if (error) return reject(error);
      zip.once('entry', (entry: Entry) => resolve({ zip, entry }));
      zip.once('end', () =>
        reject(new DependencyUnavailableError('the export ZIP holds no file', 'reportStorage')),
      );
      zip.once('error', reject);
      zip.readEntry();
    });
  });
}

function entryStream(zip: ZipFile, entry: Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))),
  );
}

/** The file inside the ZIP, as raw bytes (what the raw snapshot keeps), a chunk at a time. */
export async function* exportBytes(path: string): AsyncGenerator<Buffer> {
  const { zip, entry } = await openFirstEntry(path);
  try {
    for await (const chunk of await entryStream(zip, entry)) yield chunk as Buffer;
  } finally {
    zip.close();
  }
}

/** The rows of the CSV inside the ZIP, parsed as they stream out of it (header row = column names). */
export async function* exportRows(path: string): AsyncGenerator<Row> {
  const { zip, entry } = await openFirstEntry(path);
  try {
    const parser = (await entryStream(zip, entry)).pipe(
      parse({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: false }),
    );
    for await (const record of parser) yield record as Row;
  } finally {
    zip.close();
  }
}
