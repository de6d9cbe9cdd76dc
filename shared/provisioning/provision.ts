import { type SecretClient } from '@azure/keyvault-secrets';
import { type AuditPort } from '../audit/contract';
import { type TenantRecord } from '../domain/tenant';
import { ThrottledError } from '../errors';
import { type TenantClients } from '../platform/graph/tenant-clients';
import { secretNames } from '../platform/secret-names';
import { type TenantStore } from '../tenants/store';
import { type ReconcileInput, type ReconcileOutcome, type TenantPage } from './contract';
import { serviceAccountNames } from './desired-state';
import { assessReadiness } from './readiness';
import { reconcileTenant } from './reconcile';
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

export type ManagedRegistration = TenantRegistration & { conditionalAccess?: 'reportOnly' | 'enforced' };

/**
 * Registration: the tenant's app credential into Key Vault and its record as `provisioning`, with the names of the
 * Key Vault secrets its service accounts' passwords will live under (`secretNames.tenantServiceAccountPassword`,
 * stable: privileged access checks them out by these names). A repeat keeps the tenant's drift choices.
 */
export async function registerForManagement(
  deps: ProvisioningDeps,
  registration: ManagedRegistration,
): Promise<TenantRecord> {
  const prior = await deps.tenants.find(registration.id);
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
      conditionalAccess:
        registration.conditionalAccess ?? prior?.management?.conditionalAccess ?? 'reportOnly',
      driftHandling: prior?.management?.driftHandling ?? {},
    },
  };
  await deps.tenants.upsert(tenant);
  return tenant;
}

/** The readiness checks (reads only), stored as the tenant's last assessment. */
export async function assessTenant(deps: ProvisioningDeps, tenantId: string): Promise<ReadinessAssessment> {
  const tenant = await deps.tenants.get(tenantId);
  const { graph } = await deps.tenantClients.forTenant(tenant);
  const readiness = await assessReadiness(graph, await deps.store.created(tenant.id), deps.now);
  await deps.store.saveReadiness(tenant.id, readiness);
  return readiness;
}

/**
 * One reconcile: the first provisioning of a tenant being registered (`initial`), or a later run of an active
 * managed one. Throttling that outlasts a call ends it as `throttled` (the caller waits the Retry-After).
 */
export async function reconcileStep(
  deps: ProvisioningDeps,
  input: ReconcileInput,
): Promise<ReconcileOutcome> {
  const tenant = await deps.tenants.find(input.tenantId);
  const expected = input.initial ? 'provisioning' : 'active';
  if (!tenant?.management || tenant.status !== expected)
    return { outcome: 'skipped', reason: `not a ${expected} managed tenant` };
  // The first provisioning is an operator's request; later runs are background work that yields to onboarding.
  const { graph } = await deps.tenantClients.forTenant(tenant, input.initial ? 'interactive' : 'background');
  try {
    return await reconcileTenant({ ...deps, graph }, tenant, input);
  } catch (error) {
    if (error instanceof ThrottledError)
      return { outcome: 'throttled', ...(error.retryAfterMs ? { retryAfterMs: error.retryAfterMs } : {}) };
    throw error;
  }
}

export async function activateTenant(deps: ProvisioningDeps, tenantId: string): Promise<void> {
  const tenant = await deps.tenants.get(tenantId);
  if (tenant.status === 'provisioning') await deps.tenants.upsert({ ...tenant, status: 'active' });
}

/** Active managed tenants by id, a page at a time. */
export async function managedTenantPage(
  deps: ProvisioningDeps,
  after: string | undefined,
  pageSize: number,
): Promise<TenantPage> {
  const ids = (await deps.tenants.list())
    .filter((t) => t.status === 'active' && t.management && (after === undefined || t.id > after))
    .map((t) => t.id)
    .sort();
  const tenantIds = ids.slice(0, pageSize);
  return ids.length > pageSize ? { tenantIds, next: tenantIds[tenantIds.length - 1]! } : { tenantIds };
}

/**
 * Registration → readiness → provisioning → active in this process, step by step as the provisioning orchestration
 * runs them: for the local stack, which brings its demo tenants under management before any host runs, and for
 * benchmarks. A tenant that is not ready stays `provisioning` with its assessment, and nothing is written to it.
 */
export async function onboardTenant(
  deps: ProvisioningDeps,
  registration: ManagedRegistration,
  runId: string,
): Promise<{ tenant: TenantRecord; readiness: ReadinessAssessment; provisioned?: ReconcileOutcome }> {
  const registered = await registerForManagement(deps, registration);
  const readiness = await assessTenant(deps, registered.id);
  if (readiness.verdict !== 'ready' && readiness.verdict !== 'advisory')
    return { tenant: registered, readiness };
  const provisioned = await reconcileStep(deps, { tenantId: registered.id, runId, initial: true });
  if (provisioned.outcome !== 'succeeded') return { tenant: registered, readiness, provisioned };
  await activateTenant(deps, registered.id);
  return { tenant: await deps.tenants.get(registered.id), readiness, provisioned };
}

/** One reconcile of an active managed tenant, in this process (tests, benchmarks). */
export function reconcileManaged(deps: ProvisioningDeps, tenantId: string, runId: string) {
  return reconcileStep(deps, { tenantId, runId, initial: false });
}
