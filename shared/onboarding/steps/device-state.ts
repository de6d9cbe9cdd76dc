import { type ApiClient } from '../../platform/graph/api-client';
import { segment } from '../../platform/graph/odata';
import { type EnrolledDevice } from '../contract';

/** A sync makes the device report its state now; a key rotation makes it escrow a fresh recovery key. */
export async function remediateEncryption(graph: ApiClient, device: EnrolledDevice): Promise<void> {
  const path = `/deviceManagement/managedDevices/${segment(device.managedDeviceId)}`;
  await graph.post(`/v1.0${path}/syncDevice`);
  await graph.post(`/beta${path}/rotateBitLockerKeys`);
}

/** Asks the device to fetch current Defender definitions. */
export async function remediateDefender(graph: ApiClient, device: EnrolledDevice): Promise<void> {
  await graph.post(
    `/v1.0/deviceManagement/managedDevices/${segment(device.managedDeviceId)}/windowsDefenderUpdateSignatures`,
  );
}

/** The names the customer knows a device by, for the customer's side of the audit trail (never for logs). */
export async function getDeviceNames(
  graph: ApiClient,
  device: EnrolledDevice,
): Promise<{ deviceName?: string; userPrincipalName?: string; userDisplayName?: string }> {
  const { body } = await graph.get<{
    deviceName?: string | null;
    userPrincipalName?: string | null;
    userDisplayName?: string | null;
  }>(
    `/v1.0/deviceManagement/managedDevices/${segment(device.managedDeviceId)}?$select=id,deviceName,userPrincipalName,userDisplayName`,
  );
  return {
    ...(body.deviceName ? { deviceName: body.deviceName } : {}),
    ...(body.userPrincipalName ? { userPrincipalName: body.userPrincipalName } : {}),
    ...(body.userDisplayName ? { userDisplayName: body.userDisplayName } : {}),
  };
}
