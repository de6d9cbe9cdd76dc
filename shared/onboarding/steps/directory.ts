import { ConflictError } from '../../errors';
import { DependencyRejectedError } from '../../errors';
import { type ApiClient } from '../../platform/graph/api-client';
import { odataString, segment } from '../../platform/graph/odata';

/** A tenant-wide object that tenant provisioning should have made is missing: onboarding cannot go on. */
export class TenantNotProvisionedError extends ConflictError {
  constructor(what: string) {
    super(`The tenant is not provisioned: ${what} is missing.`);
  }
}

export async function findGroupId(graph: ApiClient, displayName: string): Promise<string> {
  const { body } = await graph.get<{ value: { id: string }[] }>(
    `/v1.0/groups?$filter=displayName eq ${odataString(displayName)}&$select=id,displayName`,
  );
  const group = body.value[0];
  if (!group) throw new TenantNotProvisionedError(`the group "${displayName}"`);
  return group.id;
}

/**
 * Adds a device (by its Entra device id, `azureADDeviceId`) to a group. Graph refuses a member twice with 400
 * "One or more added object references already exist"; for us that is success, so a retry or replay is harmless.
 */
export async function addDeviceToGroup(
  graph: ApiClient,
  groupId: string,
  azureADDeviceId: string,
): Promise<void> {
  const { body } = await graph.get<{ value: { id: string }[] }>(
    `/v1.0/devices?$filter=deviceId eq ${odataString(azureADDeviceId)}&$select=id,deviceId`,
  );
  const directoryObject = body.value[0];
  if (!directoryObject)
    throw new TenantNotProvisionedError(`the directory object of device ${azureADDeviceId}`);
  try {
    await graph.post(
      `/v1.0/groups/${segment(groupId)}/members/$ref`,
      { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${directoryObject.id}` },
      { repeatable: true },
    );
  } catch (error) {
    const alreadyMember =
      error instanceof DependencyRejectedError &&
      error.dependencyStatus === 400 &&
      /already exist/i.test(error.message);
    if (!alreadyMember) throw error;
  }
}
