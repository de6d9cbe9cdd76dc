/** The application permissions (app roles) the simulated APIs check, named once so routes cannot misspell them. */
export const Permission = {
  // Microsoft Graph
  serviceConfigRead: 'DeviceManagementServiceConfig.Read.All',
  serviceConfigReadWrite: 'DeviceManagementServiceConfig.ReadWrite.All',
  managedDevicesRead: 'DeviceManagementManagedDevices.Read.All',
  managedDevicesReadWrite: 'DeviceManagementManagedDevices.ReadWrite.All',
  managedDevicesPrivileged: 'DeviceManagementManagedDevices.PrivilegedOperations.All',
  configurationRead: 'DeviceManagementConfiguration.Read.All',
  configurationReadWrite: 'DeviceManagementConfiguration.ReadWrite.All',
  appsRead: 'DeviceManagementApps.Read.All',
  appsReadWrite: 'DeviceManagementApps.ReadWrite.All',
  bitLockerKeyReadBasic: 'BitLockerKey.ReadBasic.All',
  bitLockerKeyRead: 'BitLockerKey.Read.All',
  userRead: 'User.Read.All',
  userReadWrite: 'User.ReadWrite.All',
  directoryRead: 'Directory.Read.All',
  directoryReadWrite: 'Directory.ReadWrite.All',
  groupRead: 'Group.Read.All',
  groupReadWrite: 'Group.ReadWrite.All',
  groupMemberRead: 'GroupMember.Read.All',
  groupMemberReadWrite: 'GroupMember.ReadWrite.All',
  deviceRead: 'Device.Read.All',
  organizationRead: 'Organization.Read.All',
  organizationReadWrite: 'Organization.ReadWrite.All',
  licenseAssignmentRead: 'LicenseAssignment.Read.All',
  policyRead: 'Policy.Read.All',
  policyReadWriteConditionalAccess: 'Policy.ReadWrite.ConditionalAccess',
  policyReadWriteSecurityDefaults: 'Policy.ReadWrite.SecurityDefaults',
  deviceManagementScriptsReadWrite: 'DeviceManagementScripts.ReadWrite.All',
  auditLogRead: 'AuditLog.Read.All',
  // Defender for Endpoint
  machineRead: 'Machine.Read.All',
  machineReadWrite: 'Machine.ReadWrite.All',
  machineScan: 'Machine.Scan',
} as const;

export type PermissionName = (typeof Permission)[keyof typeof Permission];

/** Every permission above: what the demo app registration is granted. */
export const allPermissions: readonly PermissionName[] = Object.values(Permission);
