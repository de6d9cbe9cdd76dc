import { type AuditPort } from '../audit/contract';
import { type TenantRecord } from '../domain/tenant';
import { type Platform } from '../platform';
import { type TenantStore } from '../tenants/store';
import { onboardTenant, type ProvisioningDeps, reconcileManaged } from './provision';
import { registerTenant, type TenantRegistration } from './register-tenant';
import { ProvisioningStore } from './store';

export interface ProvisioningCapability {
  /** Brings a customer tenant under management (layout only, no readiness); idempotent. */
  registerTenant(registration: TenantRegistration): Promise<TenantRecord>;
  /** Registration → readiness → desired state → active. */
  onboardTenant(
    registration: Parameters<typeof onboardTenant>[1],
    runId: string,
  ): ReturnType<typeof onboardTenant>;
  reconcile(tenantId: string, runId: string): ReturnType<typeof reconcileManaged>;
  readonly store: ProvisioningStore;
}

export function provisioningWiring(
  platform: Pick<Platform, 'secrets' | 'tenantClients' | 'container'>,
  tenants: TenantStore,
  audit: AuditPort,
): ProvisioningCapability {
  const store = new ProvisioningStore(platform.container('provisioning'));
  const deps = (): ProvisioningDeps => ({
    tenants,
    secrets: platform.secrets,
    tenantClients: platform.tenantClients,
    store,
    audit,
    now: () => new Date(),
  });
  return {
    registerTenant: (registration) =>
      registerTenant(
        { tenants, secrets: platform.secrets, tenantClients: platform.tenantClients },
        registration,
      ),
    onboardTenant: (registration, runId) => onboardTenant(deps(), registration, runId),
    reconcile: (tenantId, runId) => reconcileManaged(deps(), tenantId, runId),
    store,
  };
}
