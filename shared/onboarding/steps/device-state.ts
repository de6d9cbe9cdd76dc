import { type ApiClient } from '../../platform/graph/api-client';
import { odataString, segment } from '../../platform/graph/odata';
import { type DefenderState, type EncryptionState, type Enrollment, type EnrolledDevice } from '../contract';

interface ManagedDeviceSummary {
  id: string;
  serialNumber: string;
  azureADDeviceId?: string | null;
}

/** Entra writes an all-zero id for a device that has not joined yet. */
const unjoined = /^0{8}-0{4}-0{4}-0{4}-0{12}$/;

/** Intune has no change notifications for devices: enrollment is read by polling the managed device. */
export async function getEnrollment(graph: ApiClient, serialNumber: string): Promise<Enrollment> {
  const { body } = await graph.get<{ value: ManagedDeviceSummary[] }>(
    `/v1.0/deviceManagement/managedDevices?$filter=serialNumber eq ${odataString(serialNumber)}&$select=id,serialNumber,azureADDeviceId`,
  );
  const device = body.value.find((d) => d.azureADDeviceId && !unjoined.test(d.azureADDeviceId));
  if (!device?.azureADDeviceId)
    return { enrolled: false, state: body.value.length > 0 ? 'enrolling' : 'notEnrolled' };
  return { enrolled: true, managedDeviceId: device.id, azureADDeviceId: device.azureADDeviceId };
}

/** The BitLocker recovery key API refuses calls without these headers. */
const recoveryKeyHeaders = { 'ocp-client-name': 'managed-desktop-security', 'ocp-client-version': '1.0' };

export async function getEncryptionState(graph: ApiClient, device: EnrolledDevice): Promise<EncryptionState> {
  const [managed, keys] = await Promise.all([
    graph.get<{ isEncrypted?: boolean; hardwareInformation?: { tpmSpecificationVersion?: string | null } }>(
      `/beta/deviceManagement/managedDevices/${segment(device.managedDeviceId)}?$select=id,isEncrypted,hardwareInformation`,
    ),
    // Lists key ids only: reading a key's value is itself audited and is not needed to know one is escrowed.
    graph.get<{ value: { id: string }[] }>(
      `/v1.0/informationProtection/bitlocker/recoveryKeys?$filter=deviceId eq ${odataString(device.azureADDeviceId)}`,
      { headers: recoveryKeyHeaders },
    ),
  ]);
  return {
    encrypted: managed.body.isEncrypted === true,
    tpmPresent: Boolean(managed.body.hardwareInformation?.tpmSpecificationVersion),
    recoveryKeyEscrowed: keys.body.value.length > 0,
  };
}

/** A sync makes the device report its state now; a key rotation makes it escrow a fresh recovery key. */
export async function remediateEncryption(graph: ApiClient, device: EnrolledDevice): Promise<void> {
  const path = `/deviceManagement/managedDevices/${segment(device.managedDeviceId)}`;
  await graph.post(`/v1.0${path}/syncDevice`);
  await graph.post(`/beta${path}/rotateBitLockerKeys`);
}

interface Machine {
  id: string;
  onboardingStatus?: string;
  healthStatus?: string;
}

interface WindowsProtectionState {
  realTimeProtectionEnabled?: boolean;
  signatureUpdateOverdue?: boolean;
  signatureVersion?: string;
}

/**
 * Onboarding and sensor health come from Defender's machines; definitions from the device's Intune protection state.
 * Defender's `deviceavinfo` would say the same about definitions, but at 30 calls a minute per tenant it paced a
 * burst of onboardings to one device every two seconds; Intune's protection state has Intune's far larger budget.
 */
export async function getDefenderState(
  apis: { graph: ApiClient; defender: ApiClient },
  device: EnrolledDevice,
): Promise<DefenderState> {
  const [machines, protection] = await Promise.all([
    apis.defender.get<{ value: Machine[] }>(
      `/api/machines?$filter=aadDeviceId eq ${odataString(device.azureADDeviceId)}`,
    ),
    apis.graph.get<WindowsProtectionState>(
      `/beta/deviceManagement/managedDevices/${segment(device.managedDeviceId)}/windowsProtectionState`,
    ),
  ]);
  const machine =
    machines.body.value.find((m) => m.onboardingStatus === 'Onboarded') ?? machines.body.value[0];
  const state = protection.body;
  return {
    onboarded: machine?.onboardingStatus === 'Onboarded',
    active: machine?.healthStatus === 'Active',
    signaturesCurrent: state.signatureUpdateOverdue === false && state.realTimeProtectionEnabled !== false,
    ...(state.signatureVersion ? { signatureVersion: state.signatureVersion } : {}),
  };
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
