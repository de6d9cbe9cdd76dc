import { type TenantRecord } from '../../domain/tenant';
import { tenantLayout } from '../../domain/tenant-layout';
import { ringForDevice } from '../../domain/update-ring';
import { type ApiClient } from '../../platform/graph/api-client';
import { type EnrolledDevice, type RingAssignment } from '../contract';
import { addDeviceToGroup, findGroupId, tenantWide } from './directory';

/** Joins the device to its ring's group; the ring's Windows Update for Business policy is assigned to that group. */
export async function assignUpdateRing(
  graph: ApiClient,
  tenant: TenantRecord,
  device: EnrolledDevice,
): Promise<RingAssignment> {
  const ring = ringForDevice(tenant.id, device.serialNumber, tenant.updateRings);
  const group = tenantLayout.ringGroups[ring];
  const groupId = await tenantWide(graph, `group:${group}`, () => findGroupId(graph, group));
  await addDeviceToGroup(graph, groupId, device.azureADDeviceId);
  return { ring, groupId };
}
