import { TableServiceClient } from '@azure/data-tables';
import { DefaultAzureCredential } from '@azure/identity';
import { createBlobServiceClient } from '../../../../shared/platform/storage';
import { trustedTls } from '../../../../shared/platform/tls';
import { stackSettings } from '../../../../test/support/stack';

/** Storage clients on the global stack's Azurite: blobs built by the app's own factory, tables by the SDK's. */
export function stackStorage() {
  const settings = stackSettings();
  const tls = trustedTls(settings.TRUSTED_CA_CERT_PATH);
  const credential = () => new DefaultAzureCredential();
  return {
    blobs: createBlobServiceClient(settings, credential, tls),
    // Azurite's connection string names http, which the table client allows only when told to.
    tables: TableServiceClient.fromConnectionString(settings.ArchiveStorage ?? '', {
      tlsOptions: tls?.tlsOptions,
      allowInsecureConnection: true,
    }),
    connectionString: settings.ArchiveStorage ?? '',
  };
}
