/**
 * What the HTTP framework needs from the resource model, stated structurally so the framework does not depend
 * on how the model stores tenants. `SimWorld` (model/index.ts) satisfies `SimModel` as it is.
 */

/** An app registration with its client credentials and granted application permissions. */
export interface SimAppRegistration {
  clientId: string;
  displayName?: string;
  /** Client secret value (the token endpoint compares it exactly). */
  clientSecret?: string;
  /** PEM of the certificate whose private key signs client assertions (`ClientCertificateCredential`). */
  certificatePem?: string;
  /** Alternative to `certificatePem`: the public key plus the certificate's SHA-1 or SHA-256 thumbprint (hex). */
  publicKeyPem?: string;
  certificateThumbprint?: string;
  /**
   * Application permissions (app roles) granted, Graph and Defender alike, e.g.
   * `DeviceManagementManagedDevices.Read.All`, `Machine.Read.All`. They become the token's `roles` claim.
   */
  permissions: readonly string[];
}

/** A user as the password grant sees one. */
export interface SimSignInUser {
  id: string;
  userPrincipalName: string;
  accountEnabled: boolean;
  passwordMatches(password: string): boolean;
}

export interface SimTenantView {
  id: string;
  displayName?: string;
  apps: readonly SimAppRegistration[];
  /** The tenant's users, by object id or userPrincipalName; a model without users signs nobody in. */
  directory?: { user(idOrUpn: string): SimSignInUser | undefined };
}

export interface SimModel {
  tenant(id: string): SimTenantView | undefined;
  tenants(): Iterable<SimTenantView>;
  /** Builds a tenant from a JSON spec (the control API passes the request body; the model validates it). */
  createTenant(spec: never): SimTenantView;
  /** Scripts one device's lifecycle (the control API passes the request body as `behaviour`). */
  setDeviceBehaviour(tenantId: string, serialOrId: string, behaviour: never): void;
  /** Scripts report export faults (`{ failNext?: {count, reportName?}, expireNextDownloads?: n }`). */
  scriptExports?(tenantId: string, script: never): void;
  /** `count` devices install their latest cumulative update; returns their managed device ids. */
  installQualityUpdate?(tenantId: string, count: number, seed?: number): string[];
  /** Seeds a device's compliance posture (the control API passes the request body as `change`). */
  setPosture?(tenantId: string, serialOrId: string, change: never): void;
  /** The same posture change on `count` managed devices (all when absent), chosen in a stable order from `seed`. */
  seedPosture?(tenantId: string, change: never, count?: number, seed?: number): string[];
  /** Changes a tenant as its admins would (the control API passes the request body as `change`). */
  changeTenant?(tenantId: string, change: never): void;
}
