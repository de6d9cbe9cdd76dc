import { AppError, DependencyRejectedError } from '../errors';
import { type ApiClient } from '../platform/graph/api-client';
import {
  desiredGroups,
  e5SkuId,
  intuneServicePlan,
  ourNamePrefix,
  serviceAccountNames,
} from './desired-state';
import { type ReadinessAssessment, type ReadinessCheck, type ReadinessVerdict } from './store';

const order: ReadinessVerdict[] = ['ready', 'advisory', 'notReady', 'error'];
const worst = (verdicts: ReadinessVerdict[]): ReadinessVerdict =>
  verdicts.reduce((a, b) => (order.indexOf(b) > order.indexOf(a) ? b : a), 'ready');

interface Sku {
  skuId: string;
  skuPartNumber: string;
  prepaidUnits?: { enabled?: number };
  consumedUnits?: number;
  servicePlans?: { servicePlanName: string }[];
}

interface CaPolicy {
  id: string;
  displayName: string;
  state: string;
  conditions?: { users?: { includeUsers?: string[]; excludeGroups?: string[]; excludeUsers?: string[] } };
  grantControls?: { builtInControls?: string[] } | null;
}

/** Runs one check; a refused read (403) is `error` naming the permission to grant, never `ready`. */
async function checked(
  check: string,
  permission: string,
  run: () => Promise<Omit<ReadinessCheck, 'check'>>,
): Promise<ReadinessCheck> {
  try {
    return { check, ...(await run()) };
  } catch (error) {
    // A fault a retry cures is not a verdict: the activity's retry policy runs the assessment again.
    if (error instanceof AppError && error.retryable) throw error;
    const forbidden = error instanceof DependencyRejectedError && error.dependencyStatus === 403;
    return {
      check,
      verdict: 'error',
      detail: forbidden ? 'The service may not read this.' : `The read failed: ${(error as Error).name}`,
      fix: forbidden ? `Grant the application permission ${permission}.` : 'Run the assessment again.',
    };
  }
}

/**
 * Whether a tenant can be brought under management: reads only, nothing is written. `created` holds the ids of
 * objects provisioning made earlier, so that our own accounts and groups are not name conflicts.
 */
export async function assessReadiness(
  graph: ApiClient,
  created: Record<string, string>,
  now: () => Date,
): Promise<ReadinessAssessment> {
  const ours = new Set(Object.values(created));
  const checks = await Promise.all([
    checked('licences', 'Organization.Read.All', async () => {
      const skus = await graph.listAll<Sku>('/v1.0/subscribedSkus');
      const free = (sku: Sku | undefined) => (sku?.prepaidUnits?.enabled ?? 0) - (sku?.consumedUnits ?? 0);
      const needed = serviceAccountNames.filter((name) => !created[`account:${name}`]).length;
      const e5 = skus.find((s) => s.skuId === e5SkuId);
      const intune = skus.filter((s) => s.servicePlans?.some((p) => p.servicePlanName === intuneServicePlan));
      const intuneFree = intune.reduce((sum, s) => sum + free(s), 0);
      if (!e5 || free(e5) < needed)
        return {
          verdict: 'notReady',
          detail: `E5 seats free: ${free(e5)}, the service accounts need ${needed}.`,
          fix: `Buy or free ${needed - Math.max(0, free(e5))} Microsoft 365 E5 licences.`,
        };
      if (intuneFree < needed)
        return { verdict: 'notReady', detail: 'No free Intune seats.', fix: 'Add Intune licences.' };
      return { verdict: 'ready', detail: `E5 seats free: ${free(e5)}; Intune included.` };
    }),
    checked('mdmAuthority', 'Organization.Read.All', async () => {
      const [org] = await graph.listAll<{ mobileDeviceManagementAuthority?: string }>('/v1.0/organization');
      const authority = org?.mobileDeviceManagementAuthority ?? 'unknown';
      return authority === 'intune'
        ? { verdict: 'ready', detail: 'MDM authority is Intune.' }
        : {
            verdict: 'notReady',
            detail: `MDM authority is ${authority}.`,
            fix: 'Set the MDM authority to Intune in the Intune admin center.',
          };
    }),
    checked('securityDefaults', 'Policy.Read.All', async () => {
      const { body } = await graph.get<{ isEnabled: boolean }>(
        '/v1.0/policies/identitySecurityDefaultsEnforcementPolicy',
      );
      return body.isEnabled
        ? {
            verdict: 'notReady',
            detail: 'Security defaults are on: they would force MFA registration on the service accounts.',
            fix: 'Turn security defaults off and protect users with conditional access.',
          }
        : { verdict: 'ready', detail: 'Security defaults are off.' };
    }),
    checked('conditionalAccess', 'Policy.Read.All', async () => {
      const policies = await graph.listAll<CaPolicy>('/v1.0/identity/conditionalAccess/policies');
      const serviceGroup = created['group:service-accounts'];
      const lockingOut = policies.filter(
        (p) =>
          !p.displayName.startsWith(ourNamePrefix) &&
          p.state !== 'disabled' &&
          (p.conditions?.users?.includeUsers ?? []).includes('All') &&
          !(serviceGroup && (p.conditions?.users?.excludeGroups ?? []).includes(serviceGroup)),
      );
      const enforced = lockingOut.filter((p) => p.state === 'enabled');
      if (enforced.length > 0)
        return {
          verdict: 'notReady',
          detail: `Policies targeting all users would lock out the service accounts: ${enforced.map((p) => p.displayName).join(', ')}.`,
          fix: `Exclude the group '${desiredGroups.find((g) => g.key === 'group:service-accounts')?.displayName}' from them.`,
        };
      if (lockingOut.length > 0)
        return {
          verdict: 'advisory',
          detail: `Report-only policies target all users: ${lockingOut.map((p) => p.displayName).join(', ')}.`,
          fix: 'Exclude the service-accounts group before enforcing them.',
        };
      return {
        verdict: 'ready',
        detail: 'No conditional-access policy would lock out the service accounts.',
      };
    }),
    checked('nameConflicts', 'Directory.Read.All', async () => {
      const [{ body: org }, groups] = await Promise.all([
        graph.get<{ value: { verifiedDomains?: { name: string; isInitial?: boolean }[] }[] }>(
          '/v1.0/organization',
        ),
        graph.listAll<{ id: string; displayName: string }>(
          `/v1.0/groups?$filter=startswith(displayName,'${ourNamePrefix}')`,
        ),
      ]);
      const domain = org.value[0]?.verifiedDomains?.find((d) => d.isInitial)?.name ?? '';
      const conflicts: string[] = [];
      for (const group of groups)
        if (desiredGroups.some((g) => g.displayName === group.displayName) && !ours.has(group.id))
          conflicts.push(`group '${group.displayName}'`);
      const users = await graph.listAll<{ id: string; userPrincipalName: string }>(
        `/v1.0/users?$filter=${serviceAccountNames.map((n) => `userPrincipalName eq '${n}@${domain}'`).join(' or ')}`,
      );
      for (const user of users) if (!ours.has(user.id)) conflicts.push(`user '${user.userPrincipalName}'`);
      return conflicts.length === 0
        ? { verdict: 'ready', detail: 'No accounts or groups with the service’s names.' }
        : {
            verdict: 'notReady',
            detail: `Objects with the service’s names exist that it did not create: ${conflicts.join(', ')}.`,
            fix: 'Rename or remove them, or tell us they may be adopted.',
          };
    }),
  ]);
  return { verdict: worst(checks.map((c) => c.verdict)), assessedAt: now().toISOString(), checks };
}
