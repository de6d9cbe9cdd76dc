import { type TokenCredential } from '@azure/core-auth';
import { BlobServiceClient, type ContainerClient, type StoragePipelineOptions } from '@azure/storage-blob';
import { DependencyUnavailableError } from '../errors';
import { type SecretReader } from '../platform/keyvault';
import { pipelineTls, type TlsOptions, type TrustedTls } from '../platform/tls';
import { TtlCache } from '../platform/ttl-cache';
import { type TenantStore } from '../tenants/store';
import { type CustomerContainerResolver } from './customer-sink';

/**
 * A sink that does not answer fails fast: its delivery is retried later by the trigger, outside the message lock,
 * rather than here.
 */
const customerSinkRetry = {
  maxTries: 2,
  tryTimeoutInMs: 15_000,
  retryDelayInMs: 500,
  maxRetryDelayInMs: 2_000,
};

/**
 * The container of each tenant's audit sink, from the tenant record (a suspended tenant's events are delivered too).
 * A tenant without a sink yet, or whose SAS cannot be read, is a sink that is down: its events wait.
 */
export function customerContainers(deps: {
  tenants: Pick<TenantStore, 'find'>;
  secrets: SecretReader;
  credential: () => TokenCredential;
  tls: TrustedTls | undefined;
}): CustomerContainerResolver {
  const sasCache = new TtlCache<string, string>(10 * 60_000, 10_000);
  const clients = new Map<string, ContainerClient>();
  const options: StoragePipelineOptions & { tlsOptions?: TlsOptions } = {
    ...pipelineTls(deps.tls),
    retryOptions: customerSinkRetry,
  };
  return async (tenantId) => {
    const tenant = await deps.tenants.find(tenantId);
    const sink = tenant?.auditSink;
    if (!sink)
      throw new DependencyUnavailableError(
        `Tenant ${tenantId} names no audit sink yet.`,
        'customerAuditSink',
      );
    const sas = sink.sasSecretName
      ? await sasCache.get(sink.sasSecretName, (name) => deps.secrets.getSecret(name))
      : undefined;
    const key = `${sink.blobServiceUri}|${sink.container}|${sink.sasSecretName ?? 'identity'}`;
    const clientKey = `${key}|${sas ?? ''}`;
    let container = clients.get(clientKey);
    if (!container) {
      const service =
        sas === undefined
          ? new BlobServiceClient(sink.blobServiceUri, deps.credential(), options)
          : new BlobServiceClient(
              `${sink.blobServiceUri.replace(/\/$/, '')}?${sas.replace(/^\?/, '')}`,
              undefined,
              options,
            );
      container = service.getContainerClient(sink.container);
      clients.set(clientKey, container);
    }
    return { key, container };
  };
}
