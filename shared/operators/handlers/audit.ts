import { type HttpHandler } from '@azure/functions';
import { ValidationError } from '../../errors';
import { type OperatorApiImplementations } from '../endpoint';

export interface AuditReadDependencies {
  /** The audit capability's handler factories (shared/audit/http.ts): they read the trail, we decide who may. */
  listHandler: HttpHandler;
  verifyHandler: HttpHandler;
}

/**
 * `GET /audit` and `GET /audit/verify` behind Audit.Read. The pipeline has already hidden a named tenant outside the
 * caller's scope (404); an auditor scoped to some tenants must name one, so that an unfiltered list cannot show the
 * others' events.
 */
export function auditHandlers(
  deps: AuditReadDependencies,
): Pick<OperatorApiImplementations, 'listAudit' | 'verifyAudit'> {
  return {
    listAudit: async ({ caller, query, request, context }) => {
      if (caller.scope !== 'all' && !query.tenantId)
        throw new ValidationError('Name a tenant: you may read only your tenants’ trail.', [
          { field: 'tenantId', message: 'is required for an auditor scoped to some tenants' },
        ]);
      return deps.listHandler(request, context);
    },
    verifyAudit: async ({ request, context }) => deps.verifyHandler(request, context),
  };
}
