/**
 * The operator API's app roles (the `roles` claim of an Entra ID access token). Each endpoint needs one, declared
 * in the route table (routes.ts); a role is granted in Entra ID by assigning the user to the app role.
 */
export const operatorRoles = [
  'Fleet.Read',
  'Fleet.Operate',
  'Tenants.Manage',
  'Operators.Manage',
  'Audit.Read',
  'Credentials.Request',
  'Credentials.Approve',
] as const;
export type OperatorRole = (typeof operatorRoles)[number];

/** Who a verified access token says the caller is. Nothing here is trusted before the token's signature is. */
export interface OperatorPrincipal {
  /** Entra object id of the user: the key of the operator registry. */
  oid: string;
  name?: string;
  preferredUsername?: string;
  /** App roles of this API the token carries, unknown ones dropped. */
  roles: OperatorRole[];
  /** Authentication methods (`amr`), e.g. `pwd`, `mfa`. */
  amr: string[];
  /** Conditional Access authentication contexts satisfied (`acrs`), e.g. `c1`. */
  acrs: string[];
}
