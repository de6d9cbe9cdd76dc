import { type SecretClient } from '@azure/keyvault-secrets';
import { type AuditPort } from '../audit/contract';
import { type TenantRecord } from '../domain/tenant';
import { ThrottledError } from '../errors';
import { ResourceNotFoundError } from '../platform/graph/api-errors';
import { type ApiClient } from '../platform/graph/api-client';
import { generatePassword } from '../platform/passwords';
import { segment } from '../platform/graph/odata';
import {
  desiredAccounts,
  desiredComplianceScript,
  desiredConditionalAccess,
  desiredGroups,
  desiredPolicies,
  ourNamePrefix,
  type DesiredPolicy,
} from './desired-state';
import { type ReconcileOutcome } from './contract';
import { type DeviationKind, type DriftRecord, type ProvisioningStore } from './store';

interface Obj {
  id: string;
  displayName: string;
  [name: string]: unknown;
}
interface UserObj {
  id: string;
  userPrincipalName: string;
  usageLocation: string | null;
  assignedLicenses: { skuId: string }[];
}
type Target = { '@odata.type': string; groupId?: string };

export type ReconcileResult = Extract<
  ReconcileOutcome,
  { outcome: 'succeeded' | 'readFailed' | 'throttled' }
>;

export interface ReconcileDeps {
  graph: ApiClient;
  secrets: SecretClient;
  store: ProvisioningStore;
  audit: AuditPort;
  now: () => Date;
}

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function changedFields(desired: Record<string, unknown>, actual: Record<string, unknown>): string[] {
  return Object.keys(desired).filter((name) => {
    const want = desired[name];
    const have = actual[name];
    if (want && typeof want === 'object' && !Array.isArray(want) && have && typeof have === 'object')
      return changedFields(want as Record<string, unknown>, have as Record<string, unknown>).length > 0;
    return !sameValue(want, have);
  });
}

/**
 * Reads the tenant in bulk, diffs it against the desired state and applies only the difference. `initial`: the
 * first provisioning (everything missing is simply created, no drift records). A read that fails ends the run
 * before anything is written or any drift record changes. Accepted deviations are left alone; items the tenant
 * set to `report` (by item, else by `kind:<kind>`) are recorded, not remediated; missing groups are always restored.
 */
export async function reconcileTenant(
  deps: ReconcileDeps,
  tenant: TenantRecord,
  options: { initial: boolean; runId: string },
): Promise<ReconcileResult> {
  const { graph } = deps;
  const management = tenant.management;
  if (!management) throw new Error(`Tenant ${tenant.id} is not under desired-state management.`);
  const at = deps.now().toISOString();

  // 1. Read everything first.
  let actual;
  try {
    const [org, groups, configurations, compliance, scripts, ca, created, drift] = await Promise.all([
      graph.listAll<{ verifiedDomains?: { name: string; isInitial?: boolean }[] }>('/v1.0/organization'),
      graph.listAll<Obj>(`/v1.0/groups?$filter=startswith(displayName,'${ourNamePrefix}')`),
      graph.listAll<Obj>('/beta/deviceManagement/deviceConfigurations'),
      graph.listAll<Obj>('/beta/deviceManagement/deviceCompliancePolicies'),
      graph.listAll<Obj>('/beta/deviceManagement/deviceComplianceScripts'),
      graph.listAll<Obj>('/v1.0/identity/conditionalAccess/policies'),
      deps.store.created(tenant.id),
      deps.store.drift(tenant.id),
    ]);
    const domain = org[0]?.verifiedDomains?.find((d) => d.isInitial)?.name ?? '';
    const policies = [
      ...configurations.map((p) => ({ ...p, collection: '/beta/deviceManagement/deviceConfigurations' })),
      ...compliance.map((p) => ({ ...p, collection: '/beta/deviceManagement/deviceCompliancePolicies' })),
    ];
    const assignments = new Map<string, Target[]>(
      await Promise.all(
        policies.map(
          async (p) =>
            [
              p.id,
              (await graph.listAll<{ target: Target }>(`${p.collection}/${segment(p.id)}/assignments`)).map(
                (a) => a.target,
              ),
            ] as const,
        ),
      ),
    );
    const users = new Map<string, UserObj | undefined>(
      await Promise.all(
        desiredAccounts.map(async (a) => {
          try {
            const { body } = await graph.get<UserObj>(
              `/v1.0/users/${segment(`${a.name}@${domain}`)}?$select=id,userPrincipalName,usageLocation,assignedLicenses`,
            );
            return [a.key, body] as const;
          } catch (error) {
            if (error instanceof ResourceNotFoundError) return [a.key, undefined] as const;
            throw error;
          }
        }),
      ),
    );
    const serviceGroup = groups.find(
      (g) => g.displayName === desiredGroups.find((d) => d.key === 'group:service-accounts')?.displayName,
    );
    const members = serviceGroup
      ? await graph.listAll<{ id: string }>(`/v1.0/groups/${segment(serviceGroup.id)}/members?$select=id`)
      : [];
    actual = { domain, groups, policies, assignments, scripts, ca, users, members, created, drift };
  } catch (error) {
    // Throttled longer than a call waits: nothing happened yet; the orchestration waits and runs again.
    if (error instanceof ThrottledError)
      return { outcome: 'throttled', ...(error.retryAfterMs ? { retryAfterMs: error.retryAfterMs } : {}) };
    await deps.audit.record({
      id: `tenant.reconcile:${options.runId}:readFailed`,
      action: 'tenant.reconcile',
      actor: { kind: 'service', functionName: 'reconcileTenant' },
      tenantId: tenant.id,
      target: { type: 'tenant', id: tenant.id },
      outcome: 'failed',
      reason: 'readFailed',
      correlation: {},
      time: at,
    });
    return { outcome: 'readFailed', writes: 0, deviations: 0 };
  }

  // 2. Diff, 3. apply.
  let writes = 0;
  let deviations = 0;
  const created = { ...actual.created };
  const seen = new Set<string>();
  const existing = new Map(actual.drift.map((d) => [d.id, d]));
  const action = options.initial ? 'tenant.provision' : 'drift.remediate';

  const write = async <T>(code: string, run: () => Promise<T>): Promise<T> => {
    await deps.audit.record({
      id: `${action}:${options.runId}:${code}`,
      action,
      actor: { kind: 'service', functionName: 'reconcileTenant' },
      tenantId: tenant.id,
      target: { type: 'tenant', id: tenant.id },
      outcome: 'succeeded',
      reason: code,
      correlation: {},
      time: at,
    });
    writes++;
    return run();
  };

  /** Records a deviation and says whether to remediate it now. */
  const deviation = async (
    item: string,
    kind: DeviationKind,
    detail: string,
    extra: { changedFields?: string[]; always?: boolean; defaultHandling?: 'remediate' | 'report' } = {},
  ): Promise<boolean> => {
    if (options.initial) return true;
    deviations++;
    const id = `${item}:${kind}`.replace(/[^A-Za-z0-9:_-]/g, '-');
    seen.add(id);
    const prior = existing.get(id);
    const handling = extra.always
      ? 'remediate'
      : (management.driftHandling[item] ??
        management.driftHandling[`kind:${kind}`] ??
        extra.defaultHandling ??
        'remediate');
    if (prior?.status === 'accepted' || prior?.status === 'customerSpecific') {
      await deps.store.saveDrift({ ...prior, lastSeen: at });
      return false;
    }
    const record: DriftRecord = {
      id,
      tenantId: tenant.id,
      type: 'drift',
      item,
      kind,
      detail,
      ...(extra.changedFields ? { changedFields: extra.changedFields } : {}),
      status: handling === 'remediate' ? 'remediated' : 'new',
      handling,
      firstSeen: prior?.firstSeen ?? at,
      lastSeen: at,
      ...(handling === 'remediate' ? { remediatedAt: at } : {}),
    };
    await deps.store.saveDrift(record);
    return handling === 'remediate';
  };

  // Groups.
  const groupIds: Record<string, string> = {};
  for (const group of desiredGroups) {
    const found = actual.groups.find((g) => g.displayName === group.displayName);
    if (found) {
      groupIds[group.key] = found.id;
      continue;
    }
    await deviation(group.key, 'missing', `Group '${group.displayName}' is missing.`, { always: true });
    const { body } = await write(`create:${group.key}`, () =>
      graph.post<Obj>('/v1.0/groups', {
        displayName: group.displayName,
        description: 'Managed by Managed Desktop Security.',
        mailEnabled: false,
        mailNickname: group.displayName.replace(/[^A-Za-z0-9]/g, '').slice(0, 60),
        securityEnabled: true,
      }),
    );
    groupIds[group.key] = body.id;
    created[group.key] = body.id;
  }

  // Service accounts: the password is generated, stored and sent inside this one step, and never returned.
  const memberIds = new Set(actual.members.map((m) => m.id));
  for (const account of desiredAccounts) {
    let user = actual.users.get(account.key);
    if (!user) {
      if (!(await deviation(account.key, 'missing', `Service account ${account.name} is missing.`))) continue;
      const secretName = management.serviceAccountSecrets[account.name];
      if (!secretName) throw new Error(`No secret name for ${account.name} in tenant ${tenant.id}.`);
      user = await write(`create:${account.key}`, async () => {
        const password = generatePassword();
        await deps.secrets.setSecret(secretName, password, { contentType: 'service-account-password' });
        const { body } = await graph.post<UserObj>('/v1.0/users', {
          accountEnabled: true,
          displayName: `Managed Desktop ${account.name}`,
          mailNickname: account.name.replace(/[^A-Za-z0-9]/g, ''),
          userPrincipalName: `${account.name}@${actual.domain}`,
          usageLocation: account.usageLocation,
          passwordProfile: { forceChangePasswordNextSignIn: false, password },
        });
        return { ...body, usageLocation: account.usageLocation, assignedLicenses: [] };
      });
      created[account.key] = user.id;
    } else if (user.usageLocation !== account.usageLocation) {
      if (
        await deviation(account.key, 'changed', 'Usage location changed.', {
          changedFields: ['usageLocation'],
        })
      )
        await write(`patch:${account.key}`, () =>
          graph.patch(`/v1.0/users/${segment(user!.id)}`, { usageLocation: account.usageLocation }),
        );
    }
    if (!user.assignedLicenses.some((l) => l.skuId === account.licence)) {
      if (options.initial || (await deviation(`${account.key}:licence`, 'missing', 'E5 licence missing.')))
        await write(`licence:${account.key}`, () =>
          graph.post(`/v1.0/users/${segment(user.id)}/assignLicense`, {
            addLicenses: [{ skuId: account.licence, disabledPlans: [] }],
            removeLicenses: [],
          }),
        );
    }
    if (!memberIds.has(user.id)) {
      if (
        options.initial ||
        (await deviation(`${account.key}:membership`, 'missing', 'Not in the service-accounts group.'))
      )
        await write(`member:${account.key}`, () =>
          graph.post(`/v1.0/groups/${segment(groupIds[account.memberOf]!)}/members/$ref`, {
            '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${user.id}`,
          }),
        );
    }
  }

  // Policies and their assignments.
  const ourGroupIds = new Set(Object.values(groupIds));
  const ourPolicyIds = new Set<string>();
  const targetsOf = (policy: DesiredPolicy): Target[] =>
    policy.assignTo.map((key) => ({
      '@odata.type': '#microsoft.graph.groupAssignmentTarget',
      groupId: groupIds[key]!,
    }));
  for (const policy of desiredPolicies) {
    const found = actual.policies.find(
      (p) => p.displayName === policy.displayName && p.collection === policy.collection,
    );
    if (!found) {
      if (!(await deviation(policy.key, 'missing', `Policy '${policy.displayName}' is missing.`))) continue;
      const { body } = await write(`create:${policy.key}`, () =>
        graph.post<Obj>(policy.collection, {
          '@odata.type': policy.odataType,
          displayName: policy.displayName,
          description: 'Managed by Managed Desktop Security.',
          ...policy.settings,
          ...policy.createOnly,
        }),
      );
      ourPolicyIds.add(body.id);
      await write(`assign:${policy.key}`, () =>
        graph.post(`${policy.collection}/${segment(body.id)}/assign`, {
          assignments: targetsOf(policy).map((target) => ({ target })),
        }),
      );
      continue;
    }
    ourPolicyIds.add(found.id);
    const fields = changedFields(policy.settings, found);
    if (
      fields.length > 0 &&
      (await deviation(policy.key, 'changed', `Policy '${policy.displayName}' changed.`, {
        changedFields: fields,
      }))
    )
      await write(`patch:${policy.key}`, () =>
        graph.patch(`${policy.collection}/${segment(found.id)}`, {
          '@odata.type': policy.odataType,
          ...Object.fromEntries(fields.map((f) => [f, policy.settings[f]])),
        }),
      );
    const have = new Set((actual.assignments.get(found.id) ?? []).map((t) => t.groupId));
    const want = targetsOf(policy);
    if (
      want.some((t) => !have.has(t.groupId)) &&
      (await deviation(
        `${policy.key}:assignment`,
        'missing',
        `Policy '${policy.displayName}' is not assigned to its groups.`,
      ))
    )
      await write(`assign:${policy.key}`, () =>
        graph.post(`${policy.collection}/${segment(found.id)}/assign`, {
          assignments: [
            ...(actual.assignments.get(found.id) ?? []).filter(
              (t) => !want.some((w) => w.groupId === t.groupId),
            ),
            ...want,
          ].map((target) => ({ target })),
        }),
      );
  }
  // Foreign policies assigned to our groups: reported by default (they are the customer's).
  for (const policy of actual.policies) {
    if (ourPolicyIds.has(policy.id) || policy.displayName.startsWith(ourNamePrefix)) continue;
    const targets = actual.assignments.get(policy.id) ?? [];
    const onOurs = targets.filter((t) => t.groupId && ourGroupIds.has(t.groupId));
    if (onOurs.length === 0) continue;
    const item = `foreign:${policy.id}`;
    if (
      await deviation(item, 'unexpected', `Policy '${policy.displayName}' is assigned to our groups.`, {
        defaultHandling: 'report',
      })
    )
      await write(`unassign:${item}`, () =>
        graph.post(`${policy.collection}/${segment(policy.id)}/assign`, {
          assignments: targets.filter((t) => !onOurs.includes(t)).map((target) => ({ target })),
        }),
      );
  }

  // Compliance script.
  const script = desiredComplianceScript;
  if (
    !actual.scripts.some((s) => s.displayName === script.displayName) &&
    (await deviation(script.key, 'missing', `Compliance script '${script.displayName}' is missing.`))
  )
    await write(`create:${script.key}`, () =>
      graph.post('/beta/deviceManagement/deviceComplianceScripts', {
        displayName: script.displayName,
        ...script.settings,
      }),
    );

  // Conditional access.
  const desiredCa = desiredConditionalAccess(
    management.conditionalAccess,
    groupIds['group:service-accounts']!,
  );
  const ca = actual.ca.find((p) => p.displayName === desiredCa.displayName);
  if (!ca) {
    if (await deviation(desiredCa.key, 'missing', 'The conditional-access policy is missing.'))
      await write(`create:${desiredCa.key}`, () =>
        graph.post('/v1.0/identity/conditionalAccess/policies', {
          displayName: desiredCa.displayName,
          ...desiredCa.settings,
        }),
      );
  } else {
    const fields = changedFields(desiredCa.settings, ca);
    if (
      fields.length > 0 &&
      (await deviation(desiredCa.key, 'changed', 'The conditional-access policy changed.', {
        changedFields: fields,
      }))
    )
      await write(`patch:${desiredCa.key}`, () =>
        graph.patch(`/v1.0/identity/conditionalAccess/policies/${segment(ca.id)}`, desiredCa.settings),
      );
  }

  // Stale drift rows go only after a complete read; accepted ones stay.
  if (!options.initial)
    for (const record of actual.drift)
      if (!seen.has(record.id) && record.status !== 'accepted' && record.status !== 'customerSpecific')
        await deps.store.deleteDrift(tenant.id, record.id);
  if (JSON.stringify(created) !== JSON.stringify(actual.created))
    await deps.store.saveCreated(tenant.id, created);
  return { outcome: 'succeeded', writes, deviations };
}
