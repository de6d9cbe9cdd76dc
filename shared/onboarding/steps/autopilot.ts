import { tenantLayout } from '../../domain/tenant-layout';
import { DependencyRejectedError, DependencyUnavailableError, ThrottledError } from '../../errors';
import { type ApiClient } from '../../platform/graph/api-client';
import { addDeviceToGroup, findGroupId, tenantWide, TenantNotProvisionedError } from './directory';
import { odataString } from '../../platform/graph/odata';
import { type ImportEntry, type ImportStatus, type ProfileAssignment } from '../contract';

interface AutopilotDeviceIdentity {
  id: string;
  serialNumber: string;
  azureActiveDirectoryDeviceId?: string;
}

/** Autopilot's answers for a device that is registered already: to this tenant (806) or to another (808). */
const alreadyInThisTenant = 'ZtdDeviceAlreadyAssigned';
const assignedToOtherTenant = 'ZtdDeviceAssignedToOtherTenant';

async function findRegisteredDevice(
  graph: ApiClient,
  serialNumber: string,
): Promise<AutopilotDeviceIdentity | undefined> {
  const page = await graph.get<{ value: AutopilotDeviceIdentity[] }>(
    `/beta/deviceManagement/windowsAutopilotDeviceIdentities?$filter=contains(serialNumber,${odataString(serialNumber)})`,
  );
  return page.body.value.find((d) => d.serialNumber.toUpperCase() === serialNumber.toUpperCase());
}

/** Autopilot honours at most one sync per ten minutes per tenant. */
const syncIntervalMs = 10 * 60_000;
/** When this worker last asked a tenant's Autopilot for a sync, keyed by the tenant's Graph client. */
const lastSyncRequest = new WeakMap<ApiClient, number>();

/**
 * New devices reach the Autopilot service on its next sync; asking for one now saves up to an hour. Autopilot runs
 * one sync at a time (409) and at most one per ten minutes (429): either answer means a sync is coming anyway, and so
 * does a request this worker made in the last ten minutes, which spares a burst of orders a write per device.
 */
export async function requestAutopilotSync(graph: ApiClient, now = Date.now()): Promise<void> {
  if (now - (lastSyncRequest.get(graph) ?? -Infinity) < syncIntervalMs) return;
  lastSyncRequest.set(graph, now);
  try {
    await graph.post('/beta/deviceManagement/windowsAutopilotSettings/sync', undefined, { repeatable: true });
  } catch (error) {
    const syncAlreadyComing =
      error instanceof ThrottledError ||
      (error instanceof DependencyRejectedError && error.dependencyStatus === 409);
    if (!syncAlreadyComing) throw error;
  }
}

interface DeploymentProfile {
  id: string;
  displayName: string;
  outOfBoxExperienceSetting?: { userType?: string };
}

/**
 * Makes sure the device gets the tenant's standard-user profile: the profile is assigned to the tenant's Autopilot
 * device group (tenant provisioning creates both), so the device's directory object joins that group.
 */
export async function assignDeploymentProfile(
  graph: ApiClient,
  serialNumber: string,
  knownAzureADDeviceId?: string,
): Promise<ProfileAssignment> {
  const profile = await tenantWide(graph, 'standardUserProfile', async () => {
    const profiles = await graph.listAll<DeploymentProfile>(
      `/beta/deviceManagement/windowsAutopilotDeploymentProfiles?$filter=displayName eq ${odataString(tenantLayout.standardUserProfile)}`,
    );
    const found = profiles.find((p) => p.outOfBoxExperienceSetting?.userType === 'standard');
    if (!found)
      throw new TenantNotProvisionedError(
        `the standard-user deployment profile "${tenantLayout.standardUserProfile}"`,
      );
    return found;
  });
  // The watcher saw the device registered and passes its Entra device id; without it, look the device up.
  const azureADDeviceId =
    knownAzureADDeviceId ?? (await findRegisteredDevice(graph, serialNumber))?.azureActiveDirectoryDeviceId;
  if (!azureADDeviceId)
    throw new DependencyUnavailableError(
      `Autopilot device ${serialNumber} has no directory object yet`,
      'graph',
    );
  const groupId = await tenantWide(graph, `group:${tenantLayout.autopilotDevicesGroup}`, () =>
    findGroupId(graph, tenantLayout.autopilotDevicesGroup),
  );
  await addDeviceToGroup(graph, groupId, azureADDeviceId);
  return { profileId: profile.id, profileName: profile.displayName };
}

/**
 * Autopilot's import takes a list: one call imports many devices (we send at most `importChunk` a call, the size of
 * the CSV upload Intune's own portal takes). Callers import only what a fresh listing did not show, so a call whose
 * answer was lost is not repeated for devices it did import.
 */
export const importChunk = 500;

export async function importIdentities(
  graph: ApiClient,
  devices: (ImportEntry & { serialNumber: string })[],
): Promise<number> {
  let calls = 0;
  for (let i = 0; i < devices.length; i += importChunk) {
    await graph.post('/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/import', {
      importedWindowsAutopilotDeviceIdentities: devices.slice(i, i + importChunk).map((d) => ({
        '@odata.type': '#microsoft.graph.importedWindowsAutopilotDeviceIdentity',
        serialNumber: d.serialNumber,
        hardwareIdentifier: d.hardwareHash,
        groupTag: d.groupTag,
        assignedUserPrincipalName: d.assignedUserPrincipalName,
        importId: d.orderId,
        state: {
          '@odata.type': 'microsoft.graph.importedWindowsAutopilotDeviceIdentityState',
          deviceImportStatus: 'unknown',
          deviceRegistrationId: '',
          deviceErrorCode: 0,
          deviceErrorName: '',
        },
      })),
    });
    calls++;
  }
  return calls;
}

export interface ListedImport {
  id: string;
  serialNumber: string;
  state?: { deviceImportStatus?: string; deviceErrorCode?: number; deviceErrorName?: string };
}

export interface ListedAutopilotDevice {
  id: string;
  serialNumber: string;
  azureActiveDirectoryDeviceId?: string;
}

/**
 * A device's import as the tenant's listings show it: its imported identity (if any) and its Autopilot device (if
 * registered). `undefined` means there is nothing to read yet: the device is to be imported.
 */
export function importStatusOf(
  imported: ListedImport | undefined,
  registered: ListedAutopilotDevice | undefined,
): { status: ImportStatus; needsSync: boolean } | undefined {
  const ids = registered
    ? {
        autopilotDeviceId: registered.id,
        ...(registered.azureActiveDirectoryDeviceId
          ? { azureADDeviceId: registered.azureActiveDirectoryDeviceId }
          : {}),
      }
    : {};
  if (!imported)
    return registered ? { status: { state: 'alreadyRegistered', ...ids }, needsSync: false } : undefined;
  const state = imported.state ?? {};
  const errorName = state.deviceErrorName ?? '';
  const errorCode = state.deviceErrorCode ?? 0;
  switch (state.deviceImportStatus) {
    case 'complete':
      // Complete means Autopilot accepted the hash; the device is registered once the service has synced it.
      return registered
        ? { status: { state: 'complete', ...ids }, needsSync: false }
        : { status: { state: 'pending' }, needsSync: true };
    case 'error':
      if (errorName === alreadyInThisTenant)
        return { status: { state: 'alreadyRegistered', ...ids }, needsSync: false };
      if (errorName === assignedToOtherTenant)
        return { status: { state: 'registeredToAnotherTenant', errorCode, errorName }, needsSync: false };
      return { status: { state: 'failed', errorCode, errorName: errorName || 'unknown' }, needsSync: false };
    default:
      return { status: { state: 'pending' }, needsSync: false };
  }
}
