/**
 * Names of the Key Vault secrets the app reads. Values never leave Key Vault except into memory for the call that
 * needs them; Cosmos holds only these names. Key Vault allows letters, digits and dashes in names.
 */
export const secretNames = {
  tenantGraphClientId: (tenantId: string): string => `tenant-${tenantId}-graph-client-id`,
  tenantGraphClientSecret: (tenantId: string): string => `tenant-${tenantId}-graph-client-secret`,
  /** The SAS a customer granted for its audit sink (read, add, create, list). */
  tenantAuditSinkSas: (tenantId: string): string => `tenant-${tenantId}-audit-sink-sas`,
  /** The password of one service account in one tenant (generated and stored inside one step, never read back). */
  tenantServiceAccountPassword: (tenantId: string, account: string): string =>
    `tenant-${tenantId}-account-${account.replace(/[^A-Za-z0-9]/g, '')}-password`,
  /** The HMAC key of one Autopilot webhook source (the `x-mds-source` header names the source). */
  autopilotWebhookSecret: (source: string): string => `autopilot-webhook-secret-${source}`,
  /**
   * Audit keys of the operator environment (created at deployment, seeded by the local stack; 32 random bytes,
   * base64): the key of the pseudonyms of customer personal data in the operator sink, and a different key for the
   * aliases of operators in customer sinks, so that the two sinks cannot be joined by value.
   */
  auditPseudonymKey: 'audit-operator-pseudonym-key',
  auditOperatorAliasKey: 'audit-operator-alias-key',
  /** The Ed25519 private key (PKCS#8 PEM) that signs audit checkpoints in both sinks. */
  auditCheckpointSigningKey: 'audit-checkpoint-signing-key',
} as const;
