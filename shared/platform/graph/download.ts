import { createWriteStream } from 'node:fs';
import { pipeline as pipe } from 'node:stream/promises';
import {
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
  type HttpClient,
  type Pipeline,
} from '@azure/core-rest-pipeline';
import { DependencyUnavailableError } from '../../errors';
import { pipelineTls, type TrustedTls } from '../tls';

/** A download link that no longer works (a SAS URL past its expiry, or revoked): read the job again for a new one. */
export class ExpiredDownloadError extends Error {
  constructor(status: number) {
    super(`the download link was refused (${status}); it has expired or was revoked`);
    this.name = 'ExpiredDownloadError';
  }
}

/**
 * Downloads of pre-signed links (report exports on Azure Storage). No bearer token is ever attached: the link
 * carries its own signature, and a Graph token must not travel to a storage host. Bodies stream to disk, so a
 * report of any size costs the same memory.
 */
export class Downloader {
  private readonly pipeline: Pipeline;
  private readonly httpClient: HttpClient;

  constructor(tls: TrustedTls | undefined, timeoutMs = 10 * 60_000) {
    this.pipeline = createPipelineFromOptions({
      ...pipelineTls(tls),
      userAgentOptions: { userAgentPrefix: 'managed-desktop-security' },
    });
    this.httpClient = createDefaultHttpClient();
    this.timeoutMs = timeoutMs;
  }

  private readonly timeoutMs: number;

  async toFile(url: string, path: string, signal?: AbortSignal): Promise<number> {
    const request = createPipelineRequest({
      url,
      method: 'GET',
      timeout: this.timeoutMs,
      streamResponseStatusCodes: new Set([200]),
      ...(signal ? { abortSignal: signal } : {}),
    });
    let response;
    try {
      response = await this.pipeline.sendRequest(this.httpClient, request);
    } catch (error) {
      throw new DependencyUnavailableError(`download failed: ${(error as Error).message}`, 'reportStorage', {
        cause: error,
      });
    }
    if (response.status === 403 || response.status === 404) throw new ExpiredDownloadError(response.status);
    const body = response.readableStreamBody;
    if (response.status !== 200 || !body)
      throw new DependencyUnavailableError(`download answered ${response.status}`, 'reportStorage');
    let bytes = 0;
    body.on('data', (chunk: Buffer) => (bytes += chunk.length));
    await pipe(body, createWriteStream(path));
    return bytes;
  }
}
