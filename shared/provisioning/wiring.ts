import { type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { type AuditPort } from '../audit/contract';
import { type TenantRecord } from '../domain/tenant';
import { type ImplementationsOf } from '../platform/activity-registration';
import { type Platform } from '../platform';
import { lazy } from '../platform/lazy';
import { type TenantStore } from '../tenants/store';
import { provisioningImplementations } from './activities';
import { type provisioningActivities } from './contract';
import {
  type ManagedRegistration,
  onboardTenant,
  type ProvisioningDeps,
  reconcileManaged,
  registerForManagement,
} from './provision';
import { registerTenant, type TenantRegistration } from './register-tenant';
import {
  provisioningInstances,
  type Started,
  startProvisioning,
  startReconcile,
  startReconcileRunHandler,
} from './start';
import { ProvisioningStore } from './store';

export interface ProvisioningCapability {
  /** Brings a customer tenant under management (layout only, no readiness); idempotent. */
  registerTenant(registration: TenantRegistration): Promise<TenantRecord>;
  /** Registration → readiness → desired state → active, in this process (local stack, benchmarks). */
  onboardTenant(registration: ManagedRegistration, runId: string): ReturnType<typeof onboardTenant>;
  reconcile(tenantId: string, runId: string): ReturnType<typeof reconcileManaged>;
  readonly store: ProvisioningStore;
  readonly activities: ImplementationsOf<typeof provisioningActivities>;
  /** The routes' side: registration's first half, and the durable work it and the operators start. */
  readonly operations: {
    register(registration: ManagedRegistration): Promise<TenantRecord>;
    startProvisioning(context: InvocationContext, tenantId: string, runId: string): Promise<Started>;
    startReconcile(context: InvocationContext, tenantId: string, runId: string): Promise<Started>;
    instances(context: InvocationContext, tenantId: string): ReturnType<typeof provisioningInstances>;
  };
  /** The timer trigger of the reconcile over all managed tenants. */
  readonly startRun: (timer: Timer, context: InvocationContext) => Promise<string>;
}

export function provisioningWiring(
  platform: Pick<Platform, 'secrets' | 'tenantClients' | 'container'>,
  tenants: TenantStore,
  audit: AuditPort,
): ProvisioningCapability {
  const deps = (): ProvisioningDeps => ({
    tenants,
    secrets: platform.secrets,
    tenantClients: platform.tenantClients,
    store: provisioning.store,
    audit,
    now: () => new Date(),
  });
  const provisioning: ProvisioningCapability = lazy<ProvisioningCapability>({
    store: () => new ProvisioningStore(platform.container('provisioning')),
    registerTenant: () => (registration: TenantRegistration) =>
      registerTenant(
        { tenants, secrets: platform.secrets, tenantClients: platform.tenantClients },
        registration,
      ),
    onboardTenant: () => (registration: ManagedRegistration, runId: string) =>
      onboardTenant(deps(), registration, runId),
    reconcile: () => (tenantId: string, runId: string) => reconcileManaged(deps(), tenantId, runId),
    activities: () => provisioningImplementations(deps()),
    operations: () => ({
      register: (registration: ManagedRegistration) => registerForManagement(deps(), registration),
      startProvisioning: (context: InvocationContext, tenantId: string, runId: string) =>
        startProvisioning(df.getClient(context), tenantId, runId),
      startReconcile: (context: InvocationContext, tenantId: string, runId: string) =>
        startReconcile(df.getClient(context), tenantId, runId),
      instances: (context: InvocationContext, tenantId: string) =>
        provisioningInstances(df.getClient(context), tenantId),
    }),
    startRun: () => startReconcileRunHandler((context) => df.getClient(context)),
  });
  return provisioning;
}
