import { type TenantRecord } from '../../domain/tenant';
import { inScope } from '../operator-record';
import { type OperatorApiImplementations } from '../endpoint';

export interface MeDependencies {
  tenants: { list(): Promise<TenantRecord[]> };
}

/** `GET /me`: any valid token; says who the caller is, whether they may act, why not, and on which tenants. */
export function meHandler(deps: MeDependencies): OperatorApiImplementations['me'] {
  return async ({ caller }) => {
    const { principal, operator, ineligibleBecause, scope } = caller;
    const eligible = ineligibleBecause.length === 0;
    const tenants = eligible ? (await deps.tenants.list()).filter((t) => inScope(scope, t.id)) : [];
    return {
      status: 200,
      headers: { 'cache-control': 'no-store' },
      jsonBody: {
        oid: principal.oid,
        ...((operator?.displayName ?? principal.name)
          ? { name: operator?.displayName ?? principal.name }
          : {}),
        roles: principal.roles,
        mfa: principal.amr.includes('mfa'),
        authenticationContexts: principal.acrs,
        registered: operator !== undefined,
        eligible,
        ineligibleBecause,
        tenants: tenants.map((t) => ({ id: t.id, displayName: t.displayName })),
        allTenants: eligible && scope === 'all',
      },
    };
  };
}
