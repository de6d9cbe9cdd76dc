import { type TelemetryCapability } from '../../telemetry/wiring';
import { type OperatorApiImplementations } from '../endpoint';
import { type TenantHandlerDependencies, visibleTenant } from './tenants';

export interface TelemetryHandlerDependencies {
  tenants: TenantHandlerDependencies['tenants'];
  telemetry: Pick<TelemetryCapability, 'tenantView'>;
}

/** `GET /tenants/{tenantId}/telemetry` behind Fleet.Read: how fresh each source's data is. */
export function telemetryHandlers(
  deps: TelemetryHandlerDependencies,
): Pick<OperatorApiImplementations, 'getTelemetry'> {
  return {
    getTelemetry: async ({ params }) => {
      await visibleTenant(deps.tenants, params.tenantId);
      return { status: 200, jsonBody: await deps.telemetry.tenantView(params.tenantId) };
    },
  };
}
