import { type TokenCredential } from '@azure/core-auth';
import { TableServiceClient } from '@azure/data-tables';
import { BlobServiceClient, type StoragePipelineOptions } from '@azure/storage-blob';
import { type DependencyProbe } from '../health';
import { type TrustedTls } from '../trusted-ca';

/** The `ArchiveStorage` connection, in the Functions convention: a connection string or identity-based URIs. */
export interface ArchiveStorageSettings {
  ArchiveStorage?: string;
  ArchiveStorage__blobServiceUri?: string;
  ArchiveStorage__tableServiceUri?: string;
}

/**
 * `tlsOptions` is a core pipeline option that the blob package's options type does not list, although its pipeline
 * passes every option on to the core pipeline, which honours it.
 */
type BlobClientOptions = StoragePipelineOptions & { tlsOptions?: TrustedTls['tlsOptions'] };

export function createBlobServiceClient(
  settings: ArchiveStorageSettings,
  credential: () => TokenCredential,
  tls: TrustedTls | undefined,
): BlobServiceClient {
  const options: BlobClientOptions = tls ? { tlsOptions: tls.tlsOptions } : {};
  if (settings.ArchiveStorage)
    return BlobServiceClient.fromConnectionString(settings.ArchiveStorage, options);
  return new BlobServiceClient(
    required(settings.ArchiveStorage__blobServiceUri, 'blobServiceUri'),
    credential(),
    options,
  );
}

export function createTableServiceClient(
  settings: ArchiveStorageSettings,
  credential: () => TokenCredential,
  tls: TrustedTls | undefined,
): TableServiceClient {
  const options = tls ? { tlsOptions: tls.tlsOptions } : {};
  if (settings.ArchiveStorage) {
    // The connection string names its own scheme; this lets an http endpoint it chose (Azurite) be used, as the
    // blob client allows anyway. Identity-based connections keep the default, so tokens never travel over http.
    return TableServiceClient.fromConnectionString(settings.ArchiveStorage, {
      ...options,
      allowInsecureConnection: true,
    });
  }
  return new TableServiceClient(
    required(settings.ArchiveStorage__tableServiceUri, 'tableServiceUri'),
    credential(),
    options,
  );
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

/** loadConfig has checked that one of the two forms is complete; this only narrows the type. */
function required(value: string | undefined, property: string): string {
  if (!value) throw new Error(`ArchiveStorage__${property} is not set`);
  return value;
}
