/** Applies a control-API change to a tenant (see `TenantChange`); refusals name what was not found. */
import { ModelError } from './errors';
import { type TenantChange } from './identity';
import { type IntunePolicy } from './policies';
import { type SimTenant } from './tenant';

function policyNamed(tenant: SimTenant, displayName: string): IntunePolicy {
  const policy = [
    ...tenant.policies.all('deviceConfiguration'),
    ...tenant.policies.all('deviceCompliancePolicy'),
  ].find((p) => p.displayName === displayName);
  if (!policy) throw new ModelError(404, 'NotFound', `No policy named '${displayName}'.`);
  return policy;
}

function groupNamed(tenant: SimTenant, displayName: string) {
  const group = tenant.directory.allGroups().find((g) => g.settings.displayName === displayName);
  if (!group) throw new ModelError(404, 'NotFound', `No group named '${displayName}'.`);
  return group;
}

export function applyTenantChange(tenant: SimTenant, change: TenantChange, now: number): void {
  switch (change.kind) {
    case 'deletePolicy':
      tenant.policies.delete(policyNamed(tenant, change.displayName));
      return;
    case 'changePolicy':
      tenant.policies.update(policyNamed(tenant, change.displayName), change.changes, now);
      return;
    case 'deleteGroup':
      tenant.directory.deleteGroup(groupNamed(tenant, change.displayName));
      return;
    case 'removeGroupMember': {
      const group = groupNamed(tenant, change.groupName);
      tenant.directory.removeMember(group, tenant.directory.requireUser(change.userPrincipalName).id);
      return;
    }
    case 'assignForeignPolicy': {
      const group = groupNamed(tenant, change.groupName);
      const policy = tenant.policies.create(
        'deviceConfiguration',
        {
          '@odata.type': '#microsoft.graph.windows10GeneralConfiguration',
          displayName: change.displayName,
          passwordRequired: false,
        },
        now,
      );
      tenant.policies.assign(
        policy,
        [{ '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: group.id }],
        now,
      );
      return;
    }
    case 'setSecurityDefaults':
      tenant.identity.securityDefaultsEnabled = change.enabled;
      return;
    case 'setMdmAuthority':
      tenant.identity.mdmAuthority = change.authority;
      return;
    case 'addConditionalAccessPolicy':
      tenant.identity.conditionalAccess.create(change.body, now);
      return;
    case 'addUser': {
      const name = change.userPrincipalName.split('@')[0] ?? change.userPrincipalName;
      tenant.directory.addUser(
        { userPrincipalName: change.userPrincipalName, displayName: name, accountEnabled: true },
        now,
      );
      return;
    }
    case 'addGroup':
      tenant.directory.addGroup(
        {
          displayName: change.displayName,
          description: null,
          mailNickname: change.displayName.replace(/[^A-Za-z0-9]/g, ''),
          mailEnabled: false,
          securityEnabled: true,
          groupTypes: [],
        },
        now,
      );
      return;
  }
}
