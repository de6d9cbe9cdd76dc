import { type Platform } from '../platform';
import { TenantStore } from './store';

/** The tenant registry every capability reads; one store, so its cache is shared. */
export function tenantsWiring(platform: Pick<Platform, 'container'>): TenantStore {
  return new TenantStore(platform.container('tenants'));
}
