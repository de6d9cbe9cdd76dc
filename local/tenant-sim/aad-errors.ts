import { randomUUID } from 'node:crypto';
import { type SimResponse } from './contract';

/** A token-endpoint failure with Entra ID's error code (`AADSTS…`) and OAuth error, as AAD writes it. */
export interface AadFailure {
  status: 400 | 401;
  error:
    | 'invalid_request'
    | 'invalid_client'
    | 'unauthorized_client'
    | 'invalid_scope'
    | 'invalid_resource'
    | 'unsupported_grant_type'
    | 'invalid_grant'
    | 'interaction_required';
  code: number;
  message: string;
}

export const aad = {
  tenantNotFound: (tenant: string): AadFailure => ({
    status: 400,
    error: 'invalid_request',
    code: 90002,
    message: `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  }),
  appNotFound: (clientId: string, tenant: string): AadFailure => ({
    status: 400,
    error: 'unauthorized_client',
    code: 700016,
    message: `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  }),
  invalidSecret: (clientId: string): AadFailure => ({
    status: 401,
    error: 'invalid_client',
    code: 7000215,
    message: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
  }),
  credentialMissing: (): AadFailure => ({
    status: 401,
    error: 'invalid_client',
    code: 7000216,
    message:
      "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
  }),
  assertionMalformed: (): AadFailure => ({
    status: 401,
    error: 'invalid_client',
    code: 50027,
    message: 'JWT token is invalid or malformed.',
  }),
  certificateNotRegistered: (thumbprint: string, clientId: string): AadFailure => ({
    status: 401,
    error: 'invalid_client',
    code: 700027,
    message: `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${clientId}'.]`,
  }),
  assertionSignatureInvalid: (): AadFailure => ({
    status: 401,
    error: 'invalid_client',
    code: 700027,
    message: 'Client assertion failed signature validation.',
  }),
  assertionAudienceInvalid: (expected: string): AadFailure => ({
    status: 401,
    error: 'invalid_client',
    code: 700021,
    message: `Client assertion audience claim does not match Realm issuer. Expected '${expected}'.`,
  }),
  assertionSubjectMismatch: (): AadFailure => ({
    status: 401,
    error: 'invalid_client',
    code: 700023,
    message: "Client assertion application identifier doesn't match 'client_id' parameter.",
  }),
  assertionExpired: (): AadFailure => ({
    status: 401,
    error: 'invalid_client',
    code: 700024,
    message: 'Client assertion is not within its valid time range.',
  }),
  unsupportedAssertionType: (type: string): AadFailure => ({
    status: 400,
    error: 'invalid_request',
    code: 50027,
    message: `Invalid client_assertion_type '${type}'.`,
  }),
  scopeNotDefault: (scope: string): AadFailure => ({
    status: 400,
    error: 'invalid_scope',
    code: 1002012,
    message: `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
  }),
  resourceNotFound: (resource: string, tenant: string): AadFailure => ({
    status: 400,
    error: 'invalid_resource',
    code: 500011,
    message: `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
  }),
  redirectUriMismatch: (redirectUri: string, clientId: string): AadFailure => ({
    status: 400,
    error: 'invalid_request',
    code: 50011,
    message: `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`,
  }),
  spaRedemptionWithoutOrigin: (): AadFailure => ({
    status: 400,
    error: 'invalid_request',
    code: 9002327,
    message:
      "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.",
  }),
  pkceRequired: (): AadFailure => ({
    status: 400,
    error: 'invalid_request',
    code: 9002325,
    message: 'Proof Key for Code Exchange is required for cross-origin authorization code redemption.',
  }),
  codeVerifierMismatch: (): AadFailure => ({
    status: 400,
    error: 'invalid_grant',
    code: 501481,
    message: 'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
  }),
  codeInvalid: (): AadFailure => ({
    status: 400,
    error: 'invalid_grant',
    code: 70008,
    message:
      'The provided authorization code or refresh token has expired due to inactivity, or was already redeemed. Send a new interactive authorization request for this user and resource.',
  }),
  claimsNotSatisfied: (): AadFailure => ({
    status: 400,
    error: 'interaction_required',
    code: 50076,
    message:
      'Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.',
  }),
  userNotFound: (tenant: string): AadFailure => ({
    status: 400,
    error: 'invalid_grant',
    code: 50034,
    message: `The user account {EmailHidden} does not exist in the ${tenant} directory. To sign into this application, the account must be added to the directory.`,
  }),
  invalidPassword: (): AadFailure => ({
    status: 400,
    error: 'invalid_grant',
    code: 50126,
    message: 'Error validating credentials due to invalid username or password.',
  }),
  userDisabled: (): AadFailure => ({
    status: 400,
    error: 'invalid_grant',
    code: 50057,
    message: 'The user account is disabled.',
  }),
  unsupportedGrant: (grant: string): AadFailure => ({
    status: 400,
    error: 'unsupported_grant_type',
    code: 70003,
    message: `The app requested an unsupported grant type '${grant}'.`,
  }),
};

/** Entra ID's error body: `error`, `error_description` with trace lines, `error_codes`, ids and timestamp. */
export function aadErrorResponse(failure: AadFailure, now: Date): SimResponse {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    status: failure.status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: {
      error: failure.error,
      error_description: `AADSTS${failure.code}: ${failure.message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [failure.code],
      timestamp: timestamp.replace('T', ' '),
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${failure.code}`,
    },
  };
}
