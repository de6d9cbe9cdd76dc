import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { StorageSharedKeyCredential } from '@azure/storage-blob';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY } from '../../azurite';
import { createBlobServiceClient } from '../../../../shared/platform/storage';
import { trustedTls } from '../../../../shared/platform/tls';
import { stackSettings } from '../../../../test/support/stack';

/**
 * Azurite serves plain HTTP locally, so the blob client's extra CA is proven against a minimal HTTPS endpoint with
 * the stack's certificate: the blob package does not declare `tlsOptions`, and this shows its pipeline honours it.
 */
describe('Blob client TLS trust', () => {
  const certPath = stackSettings().TRUSTED_CA_CERT_PATH ?? '';
  const server = createServer(
    { cert: readFileSync(certPath, 'utf8'), key: readFileSync(certPath.replace(/\.crt$/, '.key'), 'utf8') },
    (_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/xml' })
        .end('<?xml version="1.0"?><StorageServiceProperties />');
    },
  );
  let endpoint = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}/${AZURITE_ACCOUNT}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const connectionString = () =>
    `DefaultEndpointsProtocol=https;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=${endpoint}`;

  it('trusts an HTTPS endpoint with the stack certificate when TRUSTED_CA_CERT_PATH is given', async () => {
    const blobs = createBlobServiceClient(
      { ArchiveStorage: connectionString() },
      () => {
        throw new Error('a connection string needs no credential');
      },
      trustedTls(certPath),
    );
    await expect(blobs.getProperties()).resolves.toBeDefined();
  });

  it('refuses it without', async () => {
    const blobs = createBlobServiceClient(
      { ArchiveStorage: connectionString() },
      () => {
        throw new Error('a connection string needs no credential');
      },
      undefined,
    );
    await expect(blobs.getProperties({ abortSignal: AbortSignal.timeout(5000) })).rejects.toThrow(
      /certificate/i,
    );
  });

  it('uses the shared key credential for the account in the connection string', () => {
    const blobs = createBlobServiceClient(
      { ArchiveStorage: connectionString() },
      () => {
        throw new Error('a connection string needs no credential');
      },
      undefined,
    );
    expect(blobs.credential).toBeInstanceOf(StorageSharedKeyCredential);
  });
});
