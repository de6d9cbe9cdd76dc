import { type TokenCredential } from '@azure/core-auth';
import { BlobServiceClient, type StoragePipelineOptions } from '@azure/storage-blob';
import { type DependencyProbe } from '../health/check';
import { pipelineTls, type TlsOptions, type TrustedTls } from './tls';

/** The `ArchiveStorage` connection, in the Functions convention: a connection string or an identity-based URI. */
export interface ArchiveStorageSettings {
  ArchiveStorage?: string;
  ArchiveStorage__blobServiceUri?: string;
}

/**
 * `tlsOptions` is a core pipeline option that the blob package's options type does not list, although its pipeline
 * passes every option on to the core pipeline, which honours it.
 */
type BlobClientOptions = StoragePipelineOptions & { tlsOptions?: TlsOptions };

export function createBlobServiceClient(
  settings: ArchiveStorageSettings,
  credential: () => TokenCredential,
  tls: TrustedTls | undefined,
): BlobServiceClient {
  const options: BlobClientOptions = pipelineTls(tls);
  if (settings.ArchiveStorage)
    return BlobServiceClient.fromConnectionString(settings.ArchiveStorage, options);
  // loadConfig has checked that one of the two forms is set.
  if (!settings.ArchiveStorage__blobServiceUri) throw new Error('ArchiveStorage__blobServiceUri is not set');
  return new BlobServiceClient(settings.ArchiveStorage__blobServiceUri, credential(), options);
}

/** Reading the service properties proves the endpoint and the credential without touching any data. */
export function blobProbe(blobs: BlobServiceClient): DependencyProbe {
  return {
    name: 'blobStorage',
    check: async (signal) => {
      await blobs.getProperties({ abortSignal: signal });
    },
  };
}
