import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { type ContainerClient } from '@azure/storage-blob';

export type RawWrite = (chunk: string | Buffer) => Promise<void>;

/**
 * Streams one snapshot (raw telemetry, a sweep's facts) into a gzip blob while `work` runs, written once: a blob that already exists (an earlier
 * attempt of the same run got that far) is kept as it is and this attempt's bytes go nowhere. The upload commits
 * only when everything was written, so a failed attempt leaves no half blob behind.
 */
export async function withRawSnapshot<T>(
  container: ContainerClient,
  name: string,
  contentType: string,
  work: (write: RawWrite) => Promise<T>,
): Promise<T> {
  const blob = container.getBlockBlobClient(name);
  if (await blob.exists()) return work(() => Promise.resolve());
  const gzip = createGzip();
  const upload = blob
    .uploadStream(gzip, 4 * 1024 * 1024, 2, {
      conditions: { ifNoneMatch: '*' },
      blobHTTPHeaders: { blobContentType: contentType, blobContentEncoding: 'gzip' },
    })
    .then(
      () => undefined,
      (error: unknown) => {
        // Someone else committed the same run's blob first: theirs stands.
        const status = (error as { statusCode?: number }).statusCode;
        if (status === 409 || status === 412) return undefined;
        throw error;
      },
    );
  const state: { failed?: Error } = {};
  const uploadDone = upload.catch((error: unknown) => {
    state.failed = error instanceof Error ? error : new Error(String(error));
  });
  const check = (): void => {
    if (state.failed) throw state.failed;
  };
  const write: RawWrite = async (chunk) => {
    check();
    if (!gzip.write(chunk)) await Promise.race([once(gzip, 'drain'), uploadDone]);
    check();
  };
  try {
    const result = await work(write);
    gzip.end();
    await upload;
    return result;
  } catch (error) {
    gzip.destroy(error as Error);
    await uploadDone;
    throw error;
  }
}
