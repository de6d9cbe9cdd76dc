import {
  BlobServiceClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';

/** A storage account that plays the customers' own: where each tenant's side of the audit trail lives. */
export interface CustomerAuditStorage {
  accountName: string;
  accountKey: string;
  blobEndpoint: string;
}

/** What a customer hands over for its audit sink: where it is, and a SAS that can only read, add, create and list. */
export interface ProvisionedAuditSink {
  blobServiceUri: string;
  container: string;
  sas: string;
}

export const customerAuditContainer = (tenantId: string): string =>
  `audit-${tenantId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 63).replace(/-+$/, '');

/**
 * Does what the customer does in Azure: creates the container (there under a 365-day WORM policy that allows
 * protected append writes) and grants the service a SAS without write or delete permission.
 */
export async function provisionCustomerAuditSink(
  storage: CustomerAuditStorage,
  tenantId: string,
): Promise<ProvisionedAuditSink> {
  const credential = new StorageSharedKeyCredential(storage.accountName, storage.accountKey);
  const container = customerAuditContainer(tenantId);
  await new BlobServiceClient(storage.blobEndpoint, credential)
    .getContainerClient(container)
    .createIfNotExists();
  const sas = generateBlobSASQueryParameters(
    {
      containerName: container,
      permissions: ContainerSASPermissions.parse('racl'),
      startsOn: new Date(Date.now() - 5 * 60_000),
      expiresOn: new Date(Date.now() + 365 * 86_400_000),
    },
    credential,
  ).toString();
  return { blobServiceUri: storage.blobEndpoint, container, sas };
}

/** The customers' account as the customer sees it: full access (tests read and tamper with it through this). */
export function customerAuditAdmin(storage: CustomerAuditStorage): BlobServiceClient {
  return new BlobServiceClient(
    storage.blobEndpoint,
    new StorageSharedKeyCredential(storage.accountName, storage.accountKey),
  );
}
