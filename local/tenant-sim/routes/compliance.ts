/**
 * What a compliance sweep reads besides devices, keys and machines: the run states of a custom compliance script
 * (beta `deviceComplianceScripts/{id}/deviceRunStates`, one per managed device, its `scriptOutput` the JSON the
 * script wrote) and the users' authentication-method registrations (`reports/authenticationMethods/
 * userRegistrationDetails`: `methodsRegistered` holds `windowsHelloForBusiness`, `isAdmin` an admin role).
 */
import { type SimRoute } from '../contract';
import { type SimDevice, type SimWorld, Permission } from '../model';
import { type SimUser } from '../model/directory';
import { managedDeviceShape } from './managed-devices';
import { iso, list, nowOf, route, shapedList, tenantOf } from './common';

const graph = ['graph-v1.0', 'graph-beta'] as const;
const day = 24 * 3_600_000;

function runStateShape(scriptId: string, device: SimDevice, now: number): Record<string, unknown> {
  const ranAt = device.lastSyncAt(now);
  const protectedNow = device.posture?.knownFoldersProtected ?? true;
  return {
    '@odata.type': '#microsoft.graph.deviceComplianceScriptDeviceState',
    id: `${scriptId}:${device.managedDeviceId}`,
    detectionState: 'success',
    lastStateUpdateDateTime: iso(ranAt),
    expectedStateUpdateDateTime: iso(ranAt + day),
    lastSyncDateTime: iso(ranAt),
    // What the known-folder script writes (shared/provisioning desired state): one JSON line.
    scriptOutput: JSON.stringify({ KfmProtected: protectedNow }),
    scriptError: null,
  };
}

export function complianceRoutes(world: SimWorld): SimRoute[] {
  return [
    route({
      method: 'GET',
      surfaces: ['graph-beta'],
      pattern: '/deviceManagement/deviceComplianceScripts/{id}/deviceRunStates',
      write: false,
      permissions: [Permission.configurationRead, Permission.configurationReadWrite],
      handler: (request) => {
        const tenant = tenantOf(world, request);
        const script = tenant.identity.complianceScripts.get(request.params.id ?? '');
        const now = nowOf(request);
        const devices = tenant.managedDevices(now);
        const items = shapedList(devices, (device) => runStateShape(script.id, device, now));
        return list(
          request,
          items,
          `deviceManagement/deviceComplianceScripts('${script.id}')/deviceRunStates`,
          {
            entityType: 'microsoft.graph.deviceComplianceScriptDeviceState',
            expand: {
              managedDevice: (item) => {
                const device = tenant.deviceByManagedDeviceId(String(item.id).split(':')[1] ?? '');
                return device ? managedDeviceShape(tenant, device, now) : null;
              },
            },
          },
        );
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: '/reports/authenticationMethods/userRegistrationDetails',
      write: false,
      permissions: [Permission.auditLogRead],
      handler: (request) => {
        const tenant = tenantOf(world, request);
        const now = nowOf(request);
        // A user's registrations follow their devices: Hello is registered on the device they sign in to.
        const hello = new Map<SimUser, boolean>();
        for (const device of tenant.managedDevices(now)) {
          const user = device.primaryUser;
          if (user) hello.set(user, (hello.get(user) ?? true) && (device.posture?.windowsHello ?? true));
        }
        const users = tenant.directory.allUsers().filter((user) => user.accountEnabled);
        const items = shapedList(users, (user) => {
          const registered = hello.get(user) ?? false;
          const methods = ['microsoftAuthenticatorPush', ...(registered ? ['windowsHelloForBusiness'] : [])];
          return {
            id: user.id,
            userPrincipalName: user.userPrincipalName,
            userDisplayName: user.displayName,
            userType: 'member',
            // Directory roles are not modelled: the fleet's users hold none.
            isAdmin: false,
            isSsprRegistered: false,
            isSsprEnabled: false,
            isSsprCapable: false,
            isMfaRegistered: true,
            isMfaCapable: true,
            isPasswordlessCapable: registered,
            methodsRegistered: methods,
            defaultMfaMethod: 'microsoftAuthenticatorPush',
            lastUpdatedDateTime: iso(now),
          };
        });
        return list(request, items, 'reports/authenticationMethods/userRegistrationDetails', {
          entityType: 'microsoft.graph.userRegistrationDetails',
        });
      },
    }),
  ];
}
