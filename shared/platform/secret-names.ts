/**
 * Names of the Key Vault secrets the app reads. Values never leave Key Vault except into memory for the call that
 * needs them; Cosmos holds only these names. Key Vault allows letters, digits and dashes in names.
 */
export const secretNames = {
  tenantGraphClientId: (tenantId: string): string => `tenant-${tenantId}-graph-client-id`,
  tenantGraphClientSecret: (tenantId: string): string => `tenant-${tenantId}-graph-client-secret`,
  /** The HMAC key of one Autopilot webhook source (the `x-mds-source` header names the source). */
  autopilotWebhookSecret: (source: string): string => `autopilot-webhook-secret-${source}`,
} as const;
