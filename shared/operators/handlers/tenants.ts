import { type InvocationContext } from '@azure/functions';
import { type AuditPort } from '../../audit/contract';
import { type TenantRecord } from '../../domain/tenant';
import { ConflictError } from '../../errors';
import { type DeviceCounts, type OnboardingCounts } from '../../onboarding/store';
import { inScope } from '../operator-record';
import {
  audited,
  auditEvent,
  type Caller,
  type OperatorApiImplementations,
  unknownTenant,
} from '../endpoint';

export interface TenantHandlerDependencies {
  tenants: {
    find(tenantId: string): Promise<TenantRecord | undefined>;
    list(): Promise<TenantRecord[]>;
    upsert(record: TenantRecord): Promise<void>;
  };
  counts: {
    deviceCounts(tenantId: string): Promise<DeviceCounts>;
    onboardingCounts(tenantId: string): Promise<OnboardingCounts>;
  };
  audit: AuditPort;
  now(): Date;
}

type TenantHandlers = Pick<
  OperatorApiImplementations,
  'listTenants' | 'getTenant' | 'suspendTenant' | 'resumeTenant'
>;

/** A tenant the caller may see; in-scope ids that do not exist answer exactly as out-of-scope ones do. */
export async function visibleTenant(
  tenants: TenantHandlerDependencies['tenants'],
  tenantId: string,
): Promise<TenantRecord> {
  const record = await tenants.find(tenantId);
  if (!record) throw unknownTenant(tenantId);
  return record;
}

export function tenantHandlers(deps: TenantHandlerDependencies): TenantHandlers {
  const summary = async (tenant: TenantRecord) => ({
    id: tenant.id,
    displayName: tenant.displayName,
    status: tenant.status,
    devices: await deps.counts.deviceCounts(tenant.id),
  });

  const setStatus =
    (to: 'suspended' | 'active', action: 'tenant.suspend' | 'tenant.resume') =>
    async ({
      caller,
      params,
      context,
    }: {
      caller: Caller;
      params: { tenantId: string };
      context: InvocationContext;
    }) => {
      const tenant = await visibleTenant(deps.tenants, params.tenantId);
      if (tenant.status === 'provisioning')
        throw new ConflictError(`Tenant ${params.tenantId} is still being provisioned.`);
      const event = auditEvent(action, caller, context, deps.now(), {
        id: `${action}:${context.invocationId}`,
        outcome: 'succeeded',
        tenantId: tenant.id,
        target: { type: 'tenant', id: tenant.id },
        ...(tenant.status === to ? { reason: 'alreadyInState' } : {}),
      });
      await audited(deps.audit, event, context, async () => {
        if (tenant.status !== to) await deps.tenants.upsert({ ...tenant, status: to });
      });
      context.log(`Operator ${caller.principal.oid} set tenant ${tenant.id} ${to}`);
      return { status: 200, jsonBody: { id: tenant.id, status: to } };
    };

  return {
    listTenants: async ({ caller }) => {
      const tenants = (await deps.tenants.list()).filter((t) => inScope(caller.scope, t.id));
      return { status: 200, jsonBody: { tenants: await Promise.all(tenants.map(summary)) } };
    },
    getTenant: async ({ params }) => {
      const tenant = await visibleTenant(deps.tenants, params.tenantId);
      const [base, onboardings] = await Promise.all([
        summary(tenant),
        deps.counts.onboardingCounts(tenant.id),
      ]);
      return { status: 200, jsonBody: { ...base, updateRings: tenant.updateRings, onboardings } };
    },
    suspendTenant: setStatus('suspended', 'tenant.suspend'),
    resumeTenant: setStatus('active', 'tenant.resume'),
  };
}
