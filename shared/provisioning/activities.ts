import { type ImplementationsOf } from '../platform/activity-registration';
import { type provisioningActivities } from './contract';
import {
  activateTenant,
  assessTenant,
  managedTenantPage,
  type ProvisioningDeps,
  reconcileStep,
} from './provision';

export function provisioningImplementations(
  deps: ProvisioningDeps,
): ImplementationsOf<typeof provisioningActivities> {
  return {
    assessReadiness: async ({ tenantId }) => {
      const assessment = await assessTenant(deps, tenantId);
      return {
        verdict: assessment.verdict,
        notReady: assessment.checks
          .filter((c) => c.verdict === 'notReady' || c.verdict === 'error')
          .map((c) => c.check),
      };
    },
    applyDesiredState: (input) => reconcileStep(deps, input),
    activateTenant: ({ tenantId }) => activateTenant(deps, tenantId),
    listManagedTenants: ({ after, pageSize }) => managedTenantPage(deps, after, pageSize),
  };
}
