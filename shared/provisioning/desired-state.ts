import { tenantLayout } from '../domain/tenant-layout';
import { type UpdateRing, updateRings } from '../domain/tenant';

/**
 * What every managed customer tenant holds, declared as data: groups, service accounts, the security baseline and
 * the update rings. Reconcile reads the tenant, diffs against this and applies only the difference.
 */
export const e5SkuId = '06ebc4ee-1bb5-47dd-8120-11324bc54e06';
export const intuneServicePlan = 'INTUNE_A';

export const serviceAccountsGroup = 'Managed Desktop - Service accounts';
export const serviceAccountNames = ['msadmin', 'mstest', 'soc_ro', 'wdgsoc'] as const;
export type ServiceAccountName = (typeof serviceAccountNames)[number];

export interface DesiredGroup {
  key: string;
  displayName: string;
}

export const desiredGroups: readonly DesiredGroup[] = [
  ...updateRings.map((ring) => ({ key: `group:ring-${ring}`, displayName: tenantLayout.ringGroups[ring] })),
  { key: 'group:autopilot', displayName: tenantLayout.autopilotDevicesGroup },
  { key: 'group:service-accounts', displayName: serviceAccountsGroup },
];

export interface DesiredAccount {
  key: string;
  name: ServiceAccountName;
  usageLocation: 'US';
  licence: typeof e5SkuId;
  memberOf: 'group:service-accounts';
}

export const desiredAccounts: readonly DesiredAccount[] = serviceAccountNames.map((name) => ({
  key: `account:${name}`,
  name,
  usageLocation: 'US',
  licence: e5SkuId,
  memberOf: 'group:service-accounts',
}));

export type PolicyCollection =
  | '/beta/deviceManagement/deviceConfigurations'
  | '/beta/deviceManagement/deviceCompliancePolicies';

export interface DesiredPolicy {
  key: string;
  collection: PolicyCollection;
  displayName: string;
  /** The settings we own: each is compared, and only these are written back. */
  settings: Record<string, unknown>;
  odataType: string;
  /** Group keys the policy is assigned to. */
  assignTo: readonly string[];
  /** Sent on create only (not compared). */
  createOnly?: Record<string, unknown>;
}

/** WUfB values per ring (Autopatch / Managed Desktop practice). */
export const ringSettings: Record<UpdateRing, { deferral: number; deadline: number; grace: number }> = {
  test: { deferral: 0, deadline: 0, grace: 0 },
  first: { deferral: 1, deadline: 2, grace: 2 },
  fast: { deferral: 6, deadline: 2, grace: 2 },
  broad: { deferral: 9, deadline: 5, grace: 2 },
};

const allDeviceGroups = updateRings.map((ring) => `group:ring-${ring}`);
const prefix = 'Managed Desktop - ';

export const desiredPolicies: readonly DesiredPolicy[] = [
  ...updateRings.map(
    (ring): DesiredPolicy => ({
      key: `policy:ring-${ring}`,
      collection: '/beta/deviceManagement/deviceConfigurations',
      displayName: `${prefix}Update ring ${ring[0]!.toUpperCase()}${ring.slice(1)}`,
      odataType: '#microsoft.graph.windowsUpdateForBusinessConfiguration',
      settings: {
        qualityUpdatesDeferralPeriodInDays: ringSettings[ring].deferral,
        deadlineForQualityUpdatesInDays: ringSettings[ring].deadline,
        deadlineGracePeriodInDays: ringSettings[ring].grace,
        deadlineForFeatureUpdatesInDays: 5,
        featureUpdatesDeferralPeriodInDays: 0,
        qualityUpdatesPaused: false,
        featureUpdatesPaused: false,
        automaticUpdateMode: 'autoInstallAtMaintenanceTime',
        microsoftUpdateServiceAllowed: true,
      },
      assignTo: [`group:ring-${ring}`],
    }),
  ),
  {
    key: 'policy:compliance',
    collection: '/beta/deviceManagement/deviceCompliancePolicies',
    displayName: `${prefix}Windows compliance`,
    odataType: '#microsoft.graph.windows10CompliancePolicy',
    settings: {
      bitLockerEnabled: true,
      secureBootEnabled: true,
      tpmRequired: true,
      defenderEnabled: true,
      rtpEnabled: true,
      signatureOutOfDate: true,
      activeFirewallRequired: true,
      osMinimumVersion: '10.0.19045',
      deviceThreatProtectionEnabled: true,
      deviceThreatProtectionRequiredSecurityLevel: 'medium',
    },
    createOnly: {
      scheduledActionsForRule: [
        {
          ruleName: 'PasswordRequired',
          scheduledActionConfigurations: [{ actionType: 'block', gracePeriodHours: 0 }],
        },
      ],
    },
    assignTo: allDeviceGroups,
  },
  {
    key: 'policy:disk-encryption',
    collection: '/beta/deviceManagement/deviceConfigurations',
    displayName: `${prefix}Disk encryption`,
    odataType: '#microsoft.graph.windows10EndpointProtectionConfiguration',
    settings: {
      bitLockerEncryptDevice: true,
      bitLockerSystemDrivePolicy: {
        startupAuthenticationRequired: true,
        startupAuthenticationTpmUsage: 'required',
        recoveryOptions: {
          enableBitLockerAfterRecoveryInformationToStore: true,
          recoveryInformationToStore: 'passwordAndKey',
          hideRecoveryOptions: true,
        },
      },
    },
    assignTo: allDeviceGroups,
  },
  {
    key: 'policy:defender-antivirus',
    collection: '/beta/deviceManagement/deviceConfigurations',
    displayName: `${prefix}Defender antivirus`,
    odataType: '#microsoft.graph.windows10GeneralConfiguration',
    settings: {
      defenderSignatureUpdateIntervalInHours: 4,
      defenderRequireRealTimeMonitoring: true,
      defenderRequireCloudProtection: true,
      defenderCloudBlockLevel: 'high',
    },
    assignTo: allDeviceGroups,
  },
  {
    key: 'policy:account-protection',
    collection: '/beta/deviceManagement/deviceConfigurations',
    displayName: `${prefix}Account protection`,
    odataType: '#microsoft.graph.windows10EndpointProtectionConfiguration',
    settings: {
      localSecurityOptionsStandardUserElevationPromptBehavior: 'automaticallyDenyElevationRequests',
      localSecurityOptionsAdministratorElevationPromptBehavior: 'promptForConsentOnTheSecureDesktop',
    },
    assignTo: allDeviceGroups,
  },
  {
    key: 'policy:onedrive-kfm',
    collection: '/beta/deviceManagement/deviceConfigurations',
    displayName: `${prefix}OneDrive known-folder move`,
    odataType: '#microsoft.graph.windows10CustomConfiguration',
    settings: {
      omaSettings: [
        {
          '@odata.type': '#microsoft.graph.omaSettingString',
          displayName: 'KFMSilentOptIn',
          omaUri: './Device/Vendor/MSFT/Policy/Config/OneDriveNGSCv2~Policy~OneDriveNGSC/KFMSilentOptIn',
          value: '<enabled/><data id="KFMSilentOptIn_TextBox" value="{tenantId}"/>',
        },
      ],
    },
    assignTo: allDeviceGroups,
  },
];

/** A custom compliance script: OneDrive known-folder move has no Graph API, so devices report it themselves. */
export const desiredComplianceScript = {
  key: 'script:known-folder-protection',
  displayName: `${prefix}Known-folder protection`,
  settings: {
    description: 'Reports whether OneDrive known-folder move protects Desktop, Documents and Pictures.',
    runAsAccount: 'system',
    enforceSignatureCheck: false,
    runAs32Bit: false,
    detectionScriptContent: Buffer.from(
      "$k = Get-ItemProperty 'HKCU:\\Software\\Microsoft\\OneDrive\\Accounts\\Business1' -ErrorAction SilentlyContinue\n" +
        '@{ KfmProtected = [bool]($k.KfmFoldersProtectedNow -eq 3584) } | ConvertTo-Json -Compress\n',
    ).toString('base64'),
  },
} as const;

export type ConditionalAccessMode = 'reportOnly' | 'enforced';

/** Requires a compliant device for the tenant's users; service accounts excluded; report-only unless opted in. */
export function desiredConditionalAccess(mode: ConditionalAccessMode, serviceGroupId: string) {
  return {
    key: 'ca:require-compliant-device',
    displayName: `${prefix}Require compliant device`,
    settings: {
      state: mode === 'enforced' ? 'enabled' : 'enabledForReportingButNotEnforced',
      conditions: {
        clientAppTypes: ['all'],
        applications: { includeApplications: ['All'] },
        users: { includeUsers: ['All'], excludeGroups: [serviceGroupId] },
        platforms: { includePlatforms: ['windows'] },
      },
      grantControls: { operator: 'OR', builtInControls: ['compliantDevice'] },
    } as Record<string, unknown>,
  };
}

export const ourNamePrefix = prefix;
