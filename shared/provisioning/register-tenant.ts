import { type SecretClient } from '@azure/keyvault-secrets';
import { type TenantRecord, tenantRecordSchema, type UpdateRingShares } from '../domain/tenant';
import { type TenantClients } from '../platform/graph/tenant-clients';
import { secretNames } from '../platform/secret-names';
import { type TenantStore } from '../tenants/store';
import { ensureTenantLayout } from './tenant-layout';

export interface TenantRegistration {
  id: string;
  displayName: string;
  /** The customer's app registration the service signs in as. */
  clientId: string;
  clientSecret: string;
  updateRings?: UpdateRingShares;
  defaultUsageLocation?: string;
  /** The customer's audit sink, and the SAS it granted (kept in Key Vault) when it grants one. */
  auditSink?: { blobServiceUri: string; container: string; sas?: string };
}

export const defaultUpdateRings: UpdateRingShares = { test: 5, first: 15, fast: 30, broad: 50 };

/**
 * Brings a customer tenant under management: its app credential into Key Vault, its record (secret names only)
 * into the tenants container as `provisioning`, the tenant layout into the tenant, then the record to `active`.
 * Idempotent, so a failed run is simply run again.
 */
export async function registerTenant(
  deps: { tenants: TenantStore; secrets: SecretClient; tenantClients: TenantClients },
  registration: TenantRegistration,
  options: { layout: boolean } = { layout: true },
): Promise<TenantRecord> {
  const names = {
    graphClientId: secretNames.tenantGraphClientId(registration.id),
    graphClientSecret: secretNames.tenantGraphClientSecret(registration.id),
  };
  await deps.secrets.setSecret(names.graphClientId, registration.clientId);
  await deps.secrets.setSecret(names.graphClientSecret, registration.clientSecret, {
    contentType: 'client-secret',
  });
  const sink = registration.auditSink;
  const sasSecretName = sink?.sas === undefined ? undefined : secretNames.tenantAuditSinkSas(registration.id);
  if (sink?.sas !== undefined && sasSecretName)
    await deps.secrets.setSecret(sasSecretName, sink.sas, { contentType: 'sas-token' });
  const record = tenantRecordSchema.parse({
    id: registration.id,
    displayName: registration.displayName,
    status: 'provisioning',
    updateRings: registration.updateRings ?? defaultUpdateRings,
    defaultUsageLocation: registration.defaultUsageLocation ?? 'US',
    secretNames: names,
    ...(sink
      ? {
          auditSink: {
            blobServiceUri: sink.blobServiceUri,
            container: sink.container,
            ...(sasSecretName ? { sasSecretName } : {}),
          },
        }
      : {}),
  });
  await deps.tenants.upsert(record);
  // Desired-state onboarding (provision.ts) creates the layout itself, after the readiness checks.
  if (!options.layout) return record;
  const { graph } = await deps.tenantClients.forTenant(record);
  await ensureTenantLayout(graph);
  const active: TenantRecord = { ...record, status: 'active' };
  await deps.tenants.upsert(active);
  return active;
}
