import { type InvocationContext } from '@azure/functions';
import { type AuditPort } from '../../audit/contract';
import { type TenantRecord } from '../../domain/tenant';
import { ConflictError, NotFoundError } from '../../errors';
import { type ProvisioningCapability } from '../../provisioning/wiring';
import {
  audited,
  auditEvent,
  type Caller,
  type OperatorApiImplementations,
  unknownTenant,
} from '../endpoint';
import { inScope } from '../operator-record';
import { apiBasePath } from '../routes';
import { type TenantHandlerDependencies, visibleTenant } from './tenants';

export interface ProvisioningHandlerDependencies {
  tenants: TenantHandlerDependencies['tenants'];
  provisioning: Pick<ProvisioningCapability, 'store' | 'operations'>;
  audit: AuditPort;
  now(): Date;
}

type ProvisioningHandlers = Pick<
  OperatorApiImplementations,
  | 'registerTenant'
  | 'getProvisioning'
  | 'getReadiness'
  | 'listDrift'
  | 'acceptDrift'
  | 'getDriftPolicy'
  | 'putDriftPolicy'
  | 'reconcileTenant'
>;

const statusUrl = (tenantId: string) => `${apiBasePath}/tenants/${tenantId}/provisioning`;

function managed(tenant: TenantRecord): NonNullable<TenantRecord['management']> {
  if (!tenant.management)
    throw new ConflictError(`Tenant ${tenant.id} is not under desired-state management; register it first.`);
  return tenant.management;
}

/** Provisioning's routes: registration, readiness, drift and its handling, reconcile on demand. */
export function provisioningHandlers(deps: ProvisioningHandlerDependencies): ProvisioningHandlers {
  const { store, operations } = deps.provisioning;
  const event = (
    action: 'tenant.register' | 'tenant.reconcile' | 'drift.accept' | 'drift.policy',
    caller: Caller,
    context: InvocationContext,
    tenantId: string,
    extra: { reason?: string; targetId?: string } = {},
  ) =>
    auditEvent(action, caller, context, deps.now(), {
      id: `${action}:${context.invocationId}`,
      outcome: 'succeeded',
      tenantId,
      target: { type: 'tenant', id: extra.targetId ?? tenantId },
      ...(extra.reason ? { reason: extra.reason } : {}),
    });

  return {
    registerTenant: async ({ caller, body, context }) => {
      // Registering names a tenant: only one the caller may act in (outside the scope it is as if unknown).
      if (!inScope(caller.scope, body.tenantId)) throw unknownTenant(body.tenantId);
      const existing = await deps.tenants.find(body.tenantId);
      const answer = (tenant: TenantRecord, started: { instanceId: string; result: string }) => ({
        status: 202,
        headers: { location: statusUrl(tenant.id) },
        jsonBody: {
          tenantId: tenant.id,
          instanceId: started.instanceId,
          result: started.result,
          tenantStatus: tenant.status,
          statusUrl: statusUrl(tenant.id),
        },
      });
      // Already under management (or suspended): a repeat changes nothing.
      if (existing && existing.status !== 'provisioning')
        return answer(existing, { instanceId: `provision:${existing.id}`, result: 'exists' });
      const started = await audited(
        deps.audit,
        event('tenant.register', caller, context, body.tenantId),
        context,
        async () => {
          const { tenantId, auditSink, conditionalAccess, updateRings, ...credentials } = body;
          const tenant = await operations.register({
            id: tenantId,
            ...credentials,
            ...(updateRings ? { updateRings } : {}),
            ...(auditSink ? { auditSink } : {}),
            ...(conditionalAccess ? { conditionalAccess } : {}),
          });
          return {
            tenant,
            started: await operations.startProvisioning(context, tenantId, context.invocationId),
          };
        },
      );
      context.log(
        `Operator ${caller.principal.oid} registered tenant ${body.tenantId}: provisioning ${started.started.result}`,
      );
      return answer(started.tenant, started.started);
    },

    getProvisioning: async ({ params, context }) => {
      const tenant = await visibleTenant(deps.tenants, params.tenantId);
      const [instances, readiness] = await Promise.all([
        operations.instances(context, tenant.id),
        store.readiness(tenant.id),
      ]);
      return {
        status: 200,
        headers: { 'cache-control': 'no-store' },
        jsonBody: {
          tenantId: tenant.id,
          status: tenant.status,
          ...(readiness ? { readiness: readiness.verdict } : {}),
          ...(instances.provisioning ? { provisioning: instances.provisioning } : {}),
          ...(instances.reconcile ? { reconcile: instances.reconcile } : {}),
        },
      };
    },

    getReadiness: async ({ params }) => {
      const tenant = await visibleTenant(deps.tenants, params.tenantId);
      const readiness = await store.readiness(tenant.id);
      if (!readiness) throw new NotFoundError(`Tenant ${tenant.id} has not been assessed.`);
      return { status: 200, jsonBody: readiness };
    },

    listDrift: async ({ params, query }) => {
      const tenant = await visibleTenant(deps.tenants, params.tenantId);
      const page = await store.driftPage(
        tenant.id,
        { status: query.status, kind: query.kind },
        { pageSize: query.pageSize, continuationToken: query.continuationToken },
      );
      return {
        status: 200,
        jsonBody: {
          items: page.items.map(({ tenantId: _t, type: _type, ...record }) => record),
          ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
        },
      };
    },

    acceptDrift: async ({ caller, params, body, context }) => {
      const tenant = await visibleTenant(deps.tenants, params.tenantId);
      const record = await store.driftRecord(tenant.id, params.driftId);
      if (!record) throw new NotFoundError(`No drift record ${params.driftId} in this tenant.`);
      const at = deps.now().toISOString();
      const accepted = {
        ...record,
        status: 'accepted' as const,
        accepted: { by: caller.principal.oid, at, reason: body.reason },
      };
      // The operator's words stay in the drift record; the trail gets the record's id, never free text.
      await audited(
        deps.audit,
        event('drift.accept', caller, context, tenant.id, {
          targetId: `${tenant.id}/drift/${record.id}`,
          reason: record.item,
        }),
        context,
        () => store.saveDrift(accepted),
      );
      const { tenantId: _t, type: _type, ...view } = accepted;
      return { status: 200, jsonBody: view };
    },

    getDriftPolicy: async ({ params }) => {
      const tenant = await visibleTenant(deps.tenants, params.tenantId);
      return {
        status: 200,
        jsonBody: {
          handling: tenant.management?.driftHandling ?? {},
          conditionalAccess: tenant.management?.conditionalAccess ?? 'reportOnly',
        },
      };
    },

    putDriftPolicy: async ({ caller, params, body, context }) => {
      const tenant = await visibleTenant(deps.tenants, params.tenantId);
      const management = managed(tenant);
      const next = {
        ...management,
        driftHandling: body.handling,
        conditionalAccess: body.conditionalAccess ?? management.conditionalAccess,
      };
      await audited(deps.audit, event('drift.policy', caller, context, tenant.id), context, () =>
        deps.tenants.upsert({ ...tenant, management: next }),
      );
      return {
        status: 200,
        jsonBody: { handling: next.driftHandling, conditionalAccess: next.conditionalAccess },
      };
    },

    reconcileTenant: async ({ caller, params, context }) => {
      const tenant = await visibleTenant(deps.tenants, params.tenantId);
      managed(tenant);
      if (tenant.status !== 'active')
        throw new ConflictError(
          `Tenant ${tenant.id} is ${tenant.status}; only active tenants are reconciled.`,
        );
      const started = await audited(
        deps.audit,
        event('tenant.reconcile', caller, context, tenant.id),
        context,
        () => operations.startReconcile(context, tenant.id, context.invocationId),
      );
      return {
        status: 202,
        headers: { location: statusUrl(tenant.id) },
        jsonBody: {
          tenantId: tenant.id,
          instanceId: started.instanceId,
          result: started.result,
          tenantStatus: tenant.status,
          statusUrl: statusUrl(tenant.id),
        },
      };
    },
  };
}
