/**
 * BitLocker recovery keys escrowed to Entra ID. The list never carries the key itself; reading `key` takes a
 * GET of one key with `$select=key` (which Entra ID audits). Beside them, Intune's per-device encryption report
 * (beta `managedDeviceEncryptionStates`): the bulk source of the TPM facts a managed device list leaves at defaults.
 */
import { type SimRoute } from '../contract';
import { type SimDevice, type SimWorld, ModelError, Permission } from '../model';
import { type RecoveryKeyRecord } from '../model/device';
import { contextUrl, entity, iso, list, narrow, nowOf, ok, route, shapedList, tenantOf } from './common';

const graph = ['graph-v1.0', 'graph-beta'] as const;
const base = '/informationProtection/bitlocker/recoveryKeys';

interface EscrowedKey {
  device: SimDevice;
  key: RecoveryKeyRecord;
}

function keyShape({ device, key }: EscrowedKey): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.bitlockerRecoveryKey',
    id: device.recoveryKeyId(key.generation),
    createdDateTime: iso(key.escrowedAt),
    volumeType: '1',
    deviceId: device.azureADDeviceId,
  };
}

/**
 * One device's row of the encryption report. `advancedBitLockerStates` is a flags enum, serialized as Graph does
 * (comma-separated names; `success` when no flag is set); the disk encryption policy requires the TPM.
 */
function encryptionStateShape(device: SimDevice, now: number): Record<string, unknown> {
  const encrypted = device.isEncrypted(now);
  const escrowed = device.recoveryKeys(now).length > 0;
  const flags = [
    ...(encrypted ? [] : ['osVolumeUnprotected']),
    ...(device.hasTpm ? [] : ['osVolumeTpmRequired', 'tpmNotAvailable']),
    ...(encrypted && !escrowed ? ['recoveryKeyBackupFailed'] : []),
  ];
  return {
    '@odata.type': '#microsoft.graph.managedDeviceEncryptionState',
    id: device.managedDeviceId,
    userPrincipalName: device.primaryUser?.userPrincipalName ?? '',
    deviceType: 'desktop',
    osVersion: device.osVersion,
    tpmSpecificationVersion: device.hasTpm ? '2.0' : '',
    deviceName: device.deviceName,
    encryptionReadinessState: device.hasTpm ? 'ready' : 'notReady',
    encryptionState: encrypted ? 'encrypted' : 'notEncrypted',
    encryptionPolicySettingState: flags.length === 0 ? 'compliant' : 'nonCompliant',
    advancedBitLockerStates: flags.length === 0 ? 'success' : flags.join(','),
    fileVaultStates: 'success',
    policyDetails: [],
  };
}

export function bitlockerRoutes(world: SimWorld): SimRoute[] {
  return [
    route({
      method: 'GET',
      surfaces: ['graph-beta'],
      pattern: '/deviceManagement/managedDeviceEncryptionStates',
      write: false,
      permissions: [Permission.configurationRead, Permission.configurationReadWrite],
      handler: (request) => {
        const tenant = tenantOf(world, request);
        const now = nowOf(request);
        const items = shapedList(tenant.managedDevices(now), (device) => encryptionStateShape(device, now));
        return list(request, items, 'deviceManagement/managedDeviceEncryptionStates', {
          entityType: 'microsoft.graph.managedDeviceEncryptionState',
        });
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: base,
      write: false,
      permissions: [Permission.bitLockerKeyReadBasic, Permission.bitLockerKeyRead],
      handler: (request) => {
        if (request.query.has('$top')) {
          throw new ModelError(
            400,
            'BadRequest',
            "Query option 'Top' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.",
          );
        }
        const tenant = tenantOf(world, request);
        const now = nowOf(request);
        const devices = narrow(tenant.directoryDevices(now), request, {
          deviceId: {
            value: (device) => device.azureADDeviceId,
            find: (id) => tenant.deviceByAadDeviceId(id),
          },
        });
        const keys = devices.flatMap((device) => device.recoveryKeys(now).map((key) => ({ device, key })));
        return list(request, shapedList(keys, keyShape), 'informationProtection/bitlocker/recoveryKeys', {
          entityType: 'microsoft.graph.bitlockerRecoveryKey',
          filterable: ['deviceId'],
        });
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: `${base}/{id}`,
      write: false,
      // Reading `key` needs BitLockerKey.Read.All; requests carry no roles, so the route asks for it outright.
      permissions: [Permission.bitLockerKeyRead],
      handler: (request) => {
        const tenant = tenantOf(world, request);
        const id = request.params.id ?? '';
        const found = tenant.recoveryKey(id, nowOf(request));
        if (!found)
          throw new ModelError(
            404,
            'Request_ResourceNotFound',
            `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
          );
        const selected =
          request.query
            .get('$select')
            ?.split(',')
            .map((name) => name.trim()) ?? [];
        if (!selected.includes('key'))
          return entity(request, keyShape(found), 'informationProtection/bitlocker/recoveryKeys');
        // As the documented response shows: the key's properties plus `key`.
        return ok({
          '@odata.context': contextUrl(request, 'informationProtection/bitlocker/recoveryKeys/$entity'),
          ...keyShape(found),
          key: found.device.recoveryPassword(found.key.generation),
        });
      },
    }),
  ];
}
