import { type InvocationContext } from '@azure/functions';
import { type DurableClient } from 'durable-functions';
import { type AuditPort } from '../audit/contract';
import { NotFoundError } from '../errors';
import { audited, auditEvent, type OperatorApiImplementations } from '../operators/endpoint';
import { type TenantHandlerDependencies, visibleTenant } from '../operators/handlers/tenants';
import { requireActive } from '../tenants/store';
import { parseOrThrow } from '../validation';
import { settingsOf, tenantSettings } from './activities';
import { type Baseline } from './baseline/contract';
import { describeBaseline } from './baseline/describe';
import { resolveCompliance, tenantComplianceSettingsSchema } from './baseline/settings';
import { sweepStatusPath } from './contract';
import { type complianceRoutes } from './routes';
import { startSweep } from './start-sweep';
import { type ComplianceStore } from './store';

export interface ComplianceHandlerDependencies {
  tenants: TenantHandlerDependencies['tenants'];
  store: ComplianceStore;
  baseline: Baseline;
  client(context: InvocationContext): DurableClient;
  audit: AuditPort;
  now(): Date;
}

export type ComplianceHandlers = Pick<OperatorApiImplementations, keyof typeof complianceRoutes>;

/** The compliance rows of the operator API: run a sweep, follow it, read results and the baseline, set modes. */
export function complianceHandlers(deps: ComplianceHandlerDependencies): ComplianceHandlers {
  const titles = new Map(deps.baseline.rules.map((rule) => [rule.id, rule.title]));
  return {
    startSweep: async ({ caller, params, request, context }) => {
      const tenant = requireActive(params.tenantId, await visibleTenant(deps.tenants, params.tenantId));
      const at = deps.now().getTime();
      const event = auditEvent('compliance.sweep', caller, context, deps.now(), {
        id: `compliance.sweep:${context.invocationId}`,
        outcome: 'succeeded',
        tenantId: tenant.id,
        target: { type: 'tenant', id: tenant.id },
        reason: 'run now',
      });
      const started = await audited(deps.audit, event, context, () =>
        startSweep(deps.client(context), tenant.id, at, 'operator'),
      );
      const statusUrl = new URL(sweepStatusPath(tenant.id, started.sweepId), request.url).toString();
      context.log(`Operator ${caller.principal.oid} asked for sweep ${started.sweepId} (${started.state})`);
      return { status: 202, headers: { location: statusUrl }, jsonBody: { ...started, statusUrl } };
    },

    getSweep: async ({ params, context }) => {
      await visibleTenant(deps.tenants, params.tenantId);
      if (!params.sweepId.startsWith(`compliance:${params.tenantId}:`))
        throw new NotFoundError(`No sweep ${params.sweepId} in tenant ${params.tenantId}.`);
      const [status, record] = await Promise.all([
        deps
          .client(context)
          .getStatus(params.sweepId)
          .catch(() => undefined),
        deps.store.sweep(params.tenantId, params.sweepId),
      ]);
      if (!status && !record)
        throw new NotFoundError(`No sweep ${params.sweepId} in tenant ${params.tenantId}.`);
      const custom = status?.customStatus as { stage?: string } | null | undefined;
      return {
        status: 200,
        jsonBody: {
          tenantId: params.tenantId,
          sweepId: params.sweepId,
          ...(status ? { runtimeStatus: String(status.runtimeStatus) } : {}),
          ...(custom?.stage ? { stage: custom.stage } : {}),
          ...(record ? { status: record.status } : {}),
          ...(record?.outcome ? { outcome: record.outcome } : {}),
          ...(record?.error ? { error: record.error } : {}),
        },
      };
    },

    getCompliance: async ({ params, query }) => {
      await visibleTenant(deps.tenants, params.tenantId);
      const sweeps = await deps.store.recentSweeps(params.tenantId, query.trend);
      const last = sweeps.find((sweep) => sweep.summary)?.summary;
      const lastSweep = sweeps.find((sweep) => sweep.summary);
      return {
        status: 200,
        jsonBody: {
          tenantId: params.tenantId,
          baselineVersion: last?.baselineVersion ?? null,
          lastSweep:
            last && lastSweep
              ? {
                  sweepId: lastSweep.sweepId,
                  evaluatedAt: last.evaluatedAt,
                  devices: last.devices,
                  healthy: last.healthy,
                  unhealthy: last.unhealthy,
                  notReporting: last.notReporting,
                  caMismatches: last.caMismatches,
                  shares: last.shares,
                }
              : null,
          rules: (last?.rules ?? []).map((rule) => ({
            ...rule,
            title: titles.get(rule.ruleId) ?? rule.ruleId,
            passRate: rule.passRate ?? null,
          })),
          trend: sweeps
            .filter((sweep) => sweep.summary)
            .map((sweep) => {
              const summary = sweep.summary!;
              return {
                sweepId: sweep.sweepId,
                evaluatedAt: summary.evaluatedAt,
                healthy: summary.healthy,
                unhealthy: summary.unhealthy,
                notReporting: summary.notReporting,
                passRates: Object.fromEntries(
                  summary.rules.map((rule) => [rule.ruleId, rule.passRate ?? null]),
                ),
              };
            })
            .reverse(),
        },
      };
    },

    getDeviceCompliance: async ({ params }) => {
      await visibleTenant(deps.tenants, params.tenantId);
      const doc = await deps.store.deviceBySerial(params.tenantId, params.serialNumber);
      if (!doc) throw new NotFoundError(`No compliance results for device ${params.serialNumber} yet.`);
      return {
        status: 200,
        jsonBody: {
          serialNumber: doc.serialNumber,
          deviceId: doc.deviceId,
          health: doc.health,
          caMismatch: doc.caMismatch,
          baselineVersion: doc.baselineVersion,
          lastEvaluatedAt: doc.lastEvaluatedAt,
          results: doc.results,
        },
      };
    },

    getBaseline: () => Promise.resolve({ status: 200, jsonBody: describeBaseline(deps.baseline) }),

    getComplianceSettings: async ({ params }) => {
      const tenant = await visibleTenant(deps.tenants, params.tenantId);
      const settings = await tenantSettings(deps.store, tenant);
      return { status: 200, jsonBody: settingsView(deps.baseline, settings) };
    },

    putComplianceSettings: async ({ caller, params, body, context }) => {
      const tenant = await visibleTenant(deps.tenants, params.tenantId);
      const settings = parseOrThrow(
        tenantComplianceSettingsSchema,
        { ...body, tenantId: tenant.id, updateRings: tenant.updateRings },
        'body',
      );
      const event = auditEvent('compliance.settings', caller, context, deps.now(), {
        id: `compliance.settings:${context.invocationId}`,
        outcome: 'succeeded',
        tenantId: tenant.id,
        target: { type: 'tenant', id: tenant.id },
        reason: `modes: ${
          Object.entries(settings.modes)
            .map(([rule, mode]) => `${rule}=${mode}`)
            .join(' ') || 'defaults'
        }`.slice(0, 500),
      });
      const record = {
        ...settings,
        id: 'settings' as const,
        type: 'settings' as const,
        updatedAt: deps.now().toISOString(),
        updatedBy: caller.principal.oid,
      };
      await audited(deps.audit, event, context, () => deps.store.putSettings(record));
      return { status: 200, jsonBody: settingsView(deps.baseline, settingsOf(record)) };
    },
  };
}

function settingsView(baseline: Baseline, settings: ReturnType<typeof settingsOf>) {
  const resolved = resolveCompliance(baseline, settings);
  return {
    ...settings,
    effectiveModes: Object.fromEntries(baseline.rules.map((rule, index) => [rule.id, resolved.modes[index]])),
  };
}
