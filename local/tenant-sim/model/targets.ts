/**
 * Intune assignment targets (`deviceAndAppManagementAssignmentTarget`), shared by Autopilot profiles,
 * configuration and compliance policies and apps: which devices a target reaches.
 */
import { type Directory, type DirectoryMember } from './directory';
import { type SimDevice } from './device';
import { badRequest } from './errors';

export type AssignmentTarget =
  | { '@odata.type': '#microsoft.graph.groupAssignmentTarget'; groupId: string }
  | { '@odata.type': '#microsoft.graph.exclusionGroupAssignmentTarget'; groupId: string }
  | { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' }
  | { '@odata.type': '#microsoft.graph.allLicensedUsersAssignmentTarget' };

const targetTypes = new Set([
  '#microsoft.graph.groupAssignmentTarget',
  '#microsoft.graph.exclusionGroupAssignmentTarget',
  '#microsoft.graph.allDevicesAssignmentTarget',
  '#microsoft.graph.allLicensedUsersAssignmentTarget',
]);

/** Reads a `target` from a request body; Graph accepts the type with or without its leading `#`. */
export function parseTarget(raw: unknown): AssignmentTarget {
  const value = raw as { '@odata.type'?: unknown; groupId?: unknown } | null;
  const type = typeof value?.['@odata.type'] === 'string' ? `#${value['@odata.type'].replace(/^#/, '')}` : '';
  if (!targetTypes.has(type))
    throw badRequest('BadRequest', `Invalid assignment target type '${String(value?.['@odata.type'])}'.`);
  if (type.toLowerCase().endsWith('groupassignmenttarget')) {
    if (typeof value?.groupId !== 'string' || value.groupId === '')
      throw badRequest('BadRequest', 'The assignment target is missing its groupId.');
    return {
      '@odata.type': type as '#microsoft.graph.groupAssignmentTarget',
      groupId: value.groupId.toLowerCase(),
    };
  }
  return { '@odata.type': type } as AssignmentTarget;
}

function inGroup(directory: Directory, groupId: string, member: DirectoryMember | null): boolean {
  return member !== null && directory.group(groupId)?.members.has(member) === true;
}

/** Whether a set of targets reaches `device` (directly, or through its primary user); exclusions win. */
export function reaches(
  targets: readonly AssignmentTarget[],
  device: SimDevice,
  directory: Directory,
): boolean {
  let included = false;
  for (const target of targets) {
    switch (target['@odata.type']) {
      case '#microsoft.graph.exclusionGroupAssignmentTarget':
        if (
          inGroup(directory, target.groupId, device) ||
          inGroup(directory, target.groupId, device.primaryUser)
        )
          return false;
        break;
      case '#microsoft.graph.groupAssignmentTarget':
        included ||=
          inGroup(directory, target.groupId, device) ||
          inGroup(directory, target.groupId, device.primaryUser);
        break;
      case '#microsoft.graph.allDevicesAssignmentTarget':
        included = true;
        break;
      case '#microsoft.graph.allLicensedUsersAssignmentTarget':
        included ||= (device.primaryUser?.assignedLicenses.length ?? 0) > 0;
        break;
    }
  }
  return included;
}
