import { type SecretClient } from '@azure/keyvault-secrets';
import { type AuditPort } from '../audit/contract';
import { type TenantRecord } from '../domain/tenant';
import { type TenantClients } from '../platform/graph/tenant-clients';
import { secretNames } from '../platform/secret-names';
import { type TenantStore } from '../tenants/store';
import { serviceAccountNames } from './desired-state';
import { assessReadiness } from './readiness';
import { reconcileTenant, type ReconcileResult } from './reconcile';
import { registerTenant, type TenantRegistration } from './register-tenant';
import { type ProvisioningStore, type ReadinessAssessment } from './store';

export interface ProvisioningDeps {
  tenants: TenantStore;
  secrets: SecretClient;
  tenantClients: TenantClients;
  store: ProvisioningStore;
  audit: AuditPort;
  now: () => Date;
}

/**
 * Registration → readiness → provisioning → active. A tenant that is not ready stays `provisioning` with its
 * assessment, and nothing is written to it.
 */
export async function onboardTenant(
  deps: ProvisioningDeps,
  registration: TenantRegistration & { conditionalAccess?: 'reportOnly' | 'enforced' },
  runId: string,
): Promise<{ tenant: TenantRecord; readiness: ReadinessAssessment; provisioned?: ReconcileResult }> {
  const base = await registerTenant(
    { tenants: deps.tenants, secrets: deps.secrets, tenantClients: deps.tenantClients },
    registration,
    { layout: false },
  );
  const tenant: TenantRecord = {
    ...base,
    status: 'provisioning',
    management: {
      serviceAccountSecrets: Object.fromEntries(
        serviceAccountNames.map((name) => [name, secretNames.tenantServiceAccountPassword(base.id, name)]),
      ),
      conditionalAccess: registration.conditionalAccess ?? 'reportOnly',
      driftHandling: {},
    },
  };
  await deps.tenants.upsert(tenant);
  const { graph } = await deps.tenantClients.forTenant(tenant);
  const readiness = await assessReadiness(graph, await deps.store.created(tenant.id), deps.now);
  await deps.store.saveReadiness(tenant.id, readiness);
  if (readiness.verdict !== 'ready' && readiness.verdict !== 'advisory') return { tenant, readiness };
  const provisioned = await reconcileTenant({ ...deps, graph }, tenant, { initial: true, runId });
  if (provisioned.outcome !== 'succeeded') return { tenant, readiness, provisioned };
  const active: TenantRecord = { ...tenant, status: 'active' };
  await deps.tenants.upsert(active);
  return { tenant: active, readiness, provisioned };
}

/** One reconcile run of a managed tenant (timer or on demand). */
export async function reconcileManaged(
  deps: ProvisioningDeps,
  tenantId: string,
  runId: string,
): Promise<ReconcileResult | undefined> {
  const tenant = await deps.tenants.find(tenantId);
  if (!tenant?.management || tenant.status !== 'active') return undefined;
  const { graph } = await deps.tenantClients.forTenant(tenant);
  return reconcileTenant({ ...deps, graph }, tenant, { initial: false, runId });
}
