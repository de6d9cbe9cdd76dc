import { DefaultAzureCredential } from '@azure/identity';
import { createBlobServiceClient, createTableServiceClient } from '../../../../shared/stores/storage-clients';
import { trustedTls } from '../../../../shared/trusted-ca';
import { stackSettings } from '../../../../test/support/stack';

/** Storage clients on the global stack's Azurite, built by the app's own factories. */
export function stackStorage() {
  const settings = stackSettings();
  const tls = trustedTls(settings.TRUSTED_CA_CERT_PATH);
  const credential = () => new DefaultAzureCredential();
  return {
    blobs: createBlobServiceClient(settings, credential, tls),
    tables: createTableServiceClient(settings, credential, tls),
    connectionString: settings.ArchiveStorage ?? '',
  };
}
