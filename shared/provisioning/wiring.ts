import { type TenantRecord } from '../domain/tenant';
import { type Platform } from '../platform';
import { type TenantStore } from '../tenants/store';
import { registerTenant, type TenantRegistration } from './register-tenant';

export interface ProvisioningCapability {
  /** Brings a customer tenant under management; idempotent. */
  registerTenant(registration: TenantRegistration): Promise<TenantRecord>;
}

export function provisioningWiring(
  platform: Pick<Platform, 'secrets' | 'tenantClients'>,
  tenants: TenantStore,
): ProvisioningCapability {
  return {
    registerTenant: (registration) =>
      registerTenant(
        { tenants, secrets: platform.secrets, tenantClients: platform.tenantClients },
        registration,
      ),
  };
}
