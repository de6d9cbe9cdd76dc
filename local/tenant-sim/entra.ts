/**
 * Entra ID on loopback: the v2.0 token endpoint (client credentials with a client secret or a certificate
 * assertion, and the resource-owner password grant for a tenant's users), OpenID metadata, JWKS, operator (user) tokens, and access-token checking for Graph/Defender.
 *
 * Token format, chosen to match what the real services hand out:
 * - App tokens for Graph/Defender are v1.0 tokens (those resources accept v1 only): `iss` is
 *   `https://sts.windows.net/{tid}/`, `aud` the resource URI, `appid` + `azp`, `appidacr` (1 secret, 2 cert),
 *   `roles` = the app's granted permissions, `oid`/`sub` = the app's service principal, `idtyp: app`.
 * - Operator tokens are v2.0 tokens for the operator API: `iss` is `{simulator}/{tid}/v2.0` (the same value as
 *   the metadata's `issuer`, as `https://login.microsoftonline.com/{tid}/v2.0` is in Azure), `aud` as asked.
 * Both are RS256 with the `kid` published in JWKS. Token times follow real time, not the scenario clock:
 * clients cache tokens by wall time, so a virtual clock three days ahead must not expire them.
 */
import { X509Certificate, createHash, createPublicKey, randomUUID } from 'node:crypto';
import { type ApiSurface, type SimResponse } from './contract';
import { type AadFailure, aad, aadErrorResponse } from './aad-errors';
import { type Counters } from './counters';
import {
  type JwtClaims,
  MalformedJwtError,
  type SigningKey,
  createSigningKey,
  decodeJwt,
  signJwt,
  verifyJwtSignature,
} from './jwt';
import { type SimAppRegistration, type SimModel } from './model-port';
import { type OperatorDirectory, OperatorSignIn } from './sign-in';

/** The client id of the operator console's registration in the simulator (the default `azp` of operator tokens). */
/** The client id of the operator console's registration in the simulator (the default `azp` of operator tokens). */
export const operatorConsoleClientId = '9b0b8a6e-2b5a-4a52-9d0e-0c1c2f3a4d5e';

export const graphResource = 'https://graph.microsoft.com';
const graphAppId = '00000003-0000-0000-c000-000000000000';
/** Defender for Endpoint answers to both its old and its new resource URI. */
export const defenderResources = [
  'https://api.securitycenter.microsoft.com',
  'https://api.security.microsoft.com',
];
const assertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface OperatorTokenOptions {
  /** The operator tenant (the provider's own tenant; need not be a simulated customer tenant). */
  tenantId: string;
  oid: string;
  upn: string;
  name: string;
  /** App roles of the operator API granted to the user. */
  roles: readonly string[];
  /** The operator API's application ID URI or client id. */
  audience: string;
  /** Authentication methods, e.g. `['pwd','mfa']`; omitted when absent. */
  amr?: readonly string[];
  /**
   * Conditional Access authentication contexts satisfied, e.g. `['c1']` (the `acrs` claim, present only when a
   * policy asked for one); omitted when absent.
   */
  acrs?: readonly string[];
  /** Delegated scopes (`scp`), space-joined; omitted when absent. */
  scopes?: readonly string[];
  /** Client that asked for the token (`azp`). Default: a fixed "operator console" id. */
  clientId?: string;
  /** Lifetime; zero or negative yields an already-expired token (for rejection tests). Default 3600. */
  expiresInSeconds?: number;
  /**
   * For rejection tests of an API: claims set over the generated ones (e.g. a future `nbf`, another `tid`), and
   * claims left out (e.g. `oid`). The token is still signed with the published key.
   */
  claims?: Readonly<Record<string, unknown>>;
  omitClaims?: readonly string[];
}

export type AccessCheck =
  | { ok: true; tenantId: string; appId: string; roles: readonly string[] }
  | { ok: false; reason: string };

const verifiedCacheLimit = 1000;

export class EntraId {
  readonly signingKey: SigningKey = createSigningKey();
  /** Signature checks are the costliest step of a Graph call; a token is checked once, its times each time. */
  private readonly verified = new Map<string, JwtClaims>();
  /**
   * The provider's own tenants, where operators sign in: not simulated customer tenants, but their OpenID metadata
   * is served so that an API can find their keys. A tenant becomes one when registered or when it first issues an
   * operator token.
   */
  private readonly operatorTenants = new Set<string>();
  private readonly signIn: OperatorSignIn;

  constructor(
    private readonly model: SimModel,
    /** The simulator's origin, e.g. `https://127.0.0.1:51234` (the authority host). */
    private readonly origin: string,
    private readonly counters: Counters,
    private readonly tokenLifetimeSeconds = 3599,
  ) {
    this.signIn = new OperatorSignIn(
      (tenantId) => this.issuer(tenantId),
      this.signingKey,
      ({ tenantId, user, audience, amr, acrs, scopes, clientId }) =>
        this.issueOperatorToken({
          tenantId,
          oid: user.oid,
          upn: user.upn,
          name: user.name,
          roles: user.roles,
          audience,
          amr,
          ...(acrs.length > 0 ? { acrs } : {}),
          scopes,
          clientId,
          expiresInSeconds: tokenLifetimeSeconds,
        }),
      tokenLifetimeSeconds,
    );
  }

  /** Answers an Entra ID path, or returns undefined when the path is not one. `origin`: the request's Origin. */
  handle(method: string, url: URL, body: string, origin?: string): SimResponse | undefined {
    const match =
      /^\/([^/]+)\/(oauth2\/v2\.0\/(?:token|authorize|logout)|v2\.0\/\.well-known\/openid-configuration|discovery(?:\/v2\.0)?\/keys)$/.exec(
        url.pathname,
      );
    if (!match) return undefined;
    const tenant = decodeURIComponent(match[1] as string);
    const endpoint = match[2] as string;
    if (endpoint.endsWith('authorize'))
      return method === 'GET' || method === 'POST'
        ? this.signIn.authorize(tenant, method, url, new URLSearchParams(body))
        : undefined;
    if (endpoint.endsWith('logout')) return method === 'GET' ? this.signIn.logout(url) : undefined;
    // Browsers read the metadata and keys from any origin; the token endpoint answers SPAs' registered origins.
    const cors: Record<string, string> = endpoint.endsWith('token')
      ? origin && this.signIn.allowsOrigin(origin)
        ? { 'access-control-allow-origin': origin, vary: 'Origin' }
        : {}
      : { 'access-control-allow-origin': '*' };
    if (method === 'OPTIONS')
      return {
        status: 204,
        headers: {
          ...cors,
          'access-control-allow-methods': endpoint.endsWith('token') ? 'POST, OPTIONS' : 'GET, OPTIONS',
          'access-control-allow-headers':
            'content-type, client-request-id, x-client-sku, x-client-ver, x-client-os, x-client-cpu, x-app-name, x-app-ver, x-ms-lib-capability',
          'access-control-max-age': '86400',
        },
      };
    const answer = this.answer(method, tenant, endpoint, body, origin);
    return answer && { ...answer, headers: { ...answer.headers, ...cors } };
  }

  private answer(
    method: string,
    tenant: string,
    endpoint: string,
    body: string,
    origin: string | undefined,
  ): SimResponse | undefined {
    if (endpoint.endsWith('keys')) return method === 'GET' ? json(200, this.jwks()) : undefined;
    if (endpoint.startsWith('v2.0')) return method === 'GET' ? this.metadata(tenant) : undefined;
    if (method !== 'POST') return undefined;
    const form = new URLSearchParams(body);
    return this.signIn.token(tenant, form, origin) ?? this.token(tenant, form);
  }

  /** The users and single-page apps of an operator tenant, for interactive sign-in. */
  setOperatorDirectory(tenantId: string, directory: OperatorDirectory): void {
    this.addOperatorTenant(tenantId);
    this.signIn.setDirectory(tenantId, directory);
  }

  jwks(): { keys: Record<string, unknown>[] } {
    return { keys: [this.signingKey.jwk] };
  }

  issuer(tenantId: string): string {
    return `${this.origin}/${tenantId}/v2.0`;
  }

  jwksUri(tenantId = 'common'): string {
    return `${this.origin}/${tenantId}/discovery/v2.0/keys`;
  }

  addOperatorTenant(tenantId: string): void {
    this.operatorTenants.add(tenantId.toLowerCase());
  }

  issueOperatorToken(options: OperatorTokenOptions): string {
    this.addOperatorTenant(options.tenantId);
    const now = nowSeconds();
    const lifetime = options.expiresInSeconds ?? 3600;
    const claims: JwtClaims = {
      aud: options.audience,
      iss: this.issuer(options.tenantId),
      iat: Math.min(now, now + lifetime - 60),
      nbf: Math.min(now, now + lifetime - 60),
      exp: now + lifetime,
      azp: options.clientId ?? operatorConsoleClientId,
      azpacr: '0',
      name: options.name,
      oid: options.oid,
      preferred_username: options.upn,
      upn: options.upn,
      roles: [...options.roles],
      sub: pairwiseSubject(options.oid, options.audience),
      tid: options.tenantId,
      uti: randomUUID(),
      ver: '2.0',
    };
    if (options.amr) claims.amr = [...options.amr];
    if (options.acrs) claims.acrs = [...options.acrs];
    if (options.scopes) claims.scp = options.scopes.join(' ');
    Object.assign(claims, options.claims);
    for (const name of options.omitClaims ?? []) delete claims[name];
    this.counters.tokenIssued(options.tenantId);
    return signJwt(claims, this.signingKey);
  }

  /** Checks a bearer token presented to Graph or Defender. */
  checkAccessToken(authorization: string | undefined, surface: ApiSurface): AccessCheck {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return { ok: false, reason: 'Access token is empty.' };
    let claims = this.verified.get(token);
    if (!claims) {
      try {
        const decoded = decodeJwt(token);
        if (
          decoded.header.kid !== this.signingKey.kid ||
          !verifyJwtSignature(decoded, this.signingKey.publicKey)
        ) {
          return { ok: false, reason: 'Access token validation failure. Invalid signature.' };
        }
        claims = decoded.claims;
      } catch (error) {
        if (error instanceof MalformedJwtError)
          return { ok: false, reason: 'IDX14100: JWT is not well formed.' };
        throw error;
      }
      if (this.verified.size >= verifiedCacheLimit) this.verified.clear();
      this.verified.set(token, claims);
    }
    const now = nowSeconds();
    if (
      typeof claims.exp !== 'number' ||
      claims.exp <= now ||
      (typeof claims.nbf === 'number' && claims.nbf > now)
    ) {
      return { ok: false, reason: 'Access token has expired or is not yet valid.' };
    }
    const accepted = surface === 'defender' ? defenderResources : [graphResource, graphAppId];
    if (typeof claims.aud !== 'string' || !accepted.includes(claims.aud)) {
      return { ok: false, reason: 'Access token validation failure. Invalid audience.' };
    }
    const tenantId = claims.tid;
    const appId = claims.appid ?? claims.azp;
    if (
      typeof tenantId !== 'string' ||
      claims.iss !== `https://sts.windows.net/${tenantId}/` ||
      typeof appId !== 'string'
    ) {
      return { ok: false, reason: 'Access token validation failure. Invalid issuer.' };
    }
    if (!this.model.tenant(tenantId))
      return { ok: false, reason: `Tenant '${tenantId}' is not known to this service.` };
    const roles = Array.isArray(claims.roles)
      ? claims.roles.filter((role): role is string => typeof role === 'string')
      : [];
    return { ok: true, tenantId, appId, roles };
  }

  private metadata(tenant: string): SimResponse {
    const generic = tenant === 'common' || tenant === 'organizations';
    const known = generic ? undefined : this.model.tenant(tenant);
    const operatorTenant = this.operatorTenants.has(tenant.toLowerCase()) ? tenant : undefined;
    if (!generic && !known && !operatorTenant)
      return aadErrorResponse(aad.tenantNotFound(tenant), new Date());
    // A tenant addressed by domain still issues under its id, as Entra ID does.
    const id = known?.id ?? operatorTenant ?? '{tenantid}';
    const base = `${this.origin}/${tenant}`;
    return json(200, {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: this.jwksUri(tenant),
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: this.issuer(id),
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${this.origin}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'acr',
        'nonce',
        'preferred_username',
        'name',
        'tid',
        'ver',
        'at_hash',
        'c_hash',
        'email',
      ],
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    });
  }

  private token(tenantSegment: string, form: URLSearchParams): SimResponse {
    const result =
      form.get('grant_type') === 'password'
        ? this.passwordGrant(tenantSegment, form)
        : this.clientCredentials(tenantSegment, form);
    if ('status' in result) return aadErrorResponse(result, new Date());
    this.counters.tokenIssued(result.tenantId);
    return json(200, {
      token_type: 'Bearer',
      expires_in: this.tokenLifetimeSeconds,
      ext_expires_in: this.tokenLifetimeSeconds,
      access_token: result.token,
    });
  }

  /** `tenantSegment` is the tenant as the client addressed it: its id or one of its domains. */
  private clientCredentials(
    tenantSegment: string,
    form: URLSearchParams,
  ): AadFailure | { token: string; tenantId: string } {
    const grant = form.get('grant_type') ?? '';
    if (grant !== 'client_credentials') return aad.unsupportedGrant(grant);
    const tenant = this.model.tenant(tenantSegment);
    if (!tenant) return aad.tenantNotFound(tenantSegment);
    const tenantId = tenant.id;
    const clientId = form.get('client_id') ?? '';
    const app = tenant.apps.find((candidate) => candidate.clientId.toLowerCase() === clientId.toLowerCase());
    if (!app) return aad.appNotFound(clientId, tenantId);

    let authenticatedWith: 'secret' | 'certificate';
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (secret !== null) {
      if (app.clientSecret === undefined || secret !== app.clientSecret)
        return aad.invalidSecret(app.clientId);
      authenticatedWith = 'secret';
    } else if (assertion !== null) {
      const type = form.get('client_assertion_type') ?? '';
      if (type !== assertionType) return aad.unsupportedAssertionType(type);
      const failure = this.checkAssertion(
        assertion,
        app,
        `${this.origin}/${tenantSegment}/oauth2/v2.0/token`,
      );
      if (failure) return failure;
      authenticatedWith = 'certificate';
    } else {
      return aad.credentialMissing();
    }

    const scope = (form.get('scope') ?? '').trim();
    if (!scope.endsWith('/.default') || scope.includes(' ')) return aad.scopeNotDefault(scope);
    const resource = scope.slice(0, -'/.default'.length).replace(/\/+$/, '');
    const audience = resource === graphAppId ? graphResource : resource;
    if (audience !== graphResource && !defenderResources.includes(audience))
      return aad.resourceNotFound(resource, tenantId);

    const now = nowSeconds();
    const servicePrincipalId = deterministicUuid(`${tenantId}/${app.clientId}`);
    const claims: JwtClaims = {
      aud: audience,
      iss: `https://sts.windows.net/${tenantId}/`,
      iat: now,
      nbf: now,
      exp: now + this.tokenLifetimeSeconds,
      app_displayname: app.displayName ?? app.clientId,
      appid: app.clientId,
      appidacr: authenticatedWith === 'secret' ? '1' : '2',
      azp: app.clientId,
      idp: `https://sts.windows.net/${tenantId}/`,
      idtyp: 'app',
      oid: servicePrincipalId,
      roles: [...app.permissions],
      sub: servicePrincipalId,
      tid: tenantId,
      uti: randomUUID(),
      ver: '1.0',
    };
    return { token: signJwt(claims, this.signingKey), tenantId };
  }

  /**
   * The resource-owner password credentials grant (ROPC): `client_id` of an app of the tenant, `username` (the
   * UPN), `password` and `scope`. Entra ID answers a wrong password with AADSTS50126 and an unknown user with
   * AADSTS50034, both `invalid_grant`; the token is a delegated v2.0 token for the user.
   */
  private passwordGrant(
    tenantSegment: string,
    form: URLSearchParams,
  ): AadFailure | { token: string; tenantId: string } {
    const tenant = this.model.tenant(tenantSegment);
    if (!tenant) return aad.tenantNotFound(tenantSegment);
    const clientId = form.get('client_id') ?? '';
    const app = tenant.apps.find((candidate) => candidate.clientId.toLowerCase() === clientId.toLowerCase());
    if (!app) return aad.appNotFound(clientId, tenant.id);
    const user = tenant.directory?.user(form.get('username') ?? '');
    if (!user) return aad.userNotFound(tenant.id);
    if (!user.passwordMatches(form.get('password') ?? '')) return aad.invalidPassword();
    if (!user.accountEnabled) return aad.userDisabled();
    const now = nowSeconds();
    const claims: JwtClaims = {
      aud: graphResource,
      iss: `https://sts.windows.net/${tenant.id}/`,
      iat: now,
      nbf: now,
      exp: now + this.tokenLifetimeSeconds,
      amr: ['pwd'],
      appid: app.clientId,
      azp: app.clientId,
      idtyp: 'user',
      oid: user.id,
      scp: (form.get('scope') ?? '').trim() || 'openid',
      sub: pairwiseSubject(user.id, graphResource),
      tid: tenant.id,
      upn: user.userPrincipalName,
      uti: randomUUID(),
      ver: '1.0',
    };
    return { token: signJwt(claims, this.signingKey), tenantId: tenant.id };
  }

  /** RFC 7523 client assertion as MSAL writes it: PS256 + `x5t#S256` (or RS256 + `x5t`), aud = token endpoint. */
  private checkAssertion(
    assertion: string,
    app: SimAppRegistration,
    tokenEndpoint: string,
  ): AadFailure | undefined {
    let decoded;
    try {
      decoded = decodeJwt(assertion);
    } catch {
      return aad.assertionMalformed();
    }
    const presented = thumbprintOf(decoded.header);
    const registered = registeredKey(app);
    if (!presented || !registered || !registered.thumbprints.includes(presented)) {
      return aad.certificateNotRegistered(presented ?? '', app.clientId);
    }
    if (!verifyJwtSignature(decoded, registered.publicKey)) return aad.assertionSignatureInvalid();
    const { aud, iss, sub, exp, nbf } = decoded.claims;
    if (aud !== tokenEndpoint) return aad.assertionAudienceInvalid(tokenEndpoint);
    if (iss !== app.clientId || sub !== app.clientId) return aad.assertionSubjectMismatch();
    const now = nowSeconds();
    // Entra ID allows five minutes of clock skew on assertions.
    if (typeof exp !== 'number' || exp + 300 <= now || (typeof nbf === 'number' && nbf - 300 > now))
      return aad.assertionExpired();
    return undefined;
  }
}

function thumbprintOf(header: Record<string, unknown>): string | undefined {
  const value = header['x5t#S256'] ?? header.x5t;
  return typeof value === 'string'
    ? Buffer.from(value, 'base64url').toString('hex').toUpperCase()
    : undefined;
}

function registeredKey(app: SimAppRegistration): { publicKey: string; thumbprints: string[] } | undefined {
  if (app.certificatePem) {
    const certificate = new X509Certificate(app.certificatePem);
    return {
      publicKey: certificate.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      thumbprints: [certificate.fingerprint, certificate.fingerprint256].map((print) =>
        print.replace(/:/g, '').toUpperCase(),
      ),
    };
  }
  if (app.publicKeyPem && app.certificateThumbprint) {
    return {
      publicKey: createPublicKey(app.publicKeyPem).export({ type: 'spki', format: 'pem' }).toString(),
      thumbprints: [app.certificateThumbprint.toUpperCase()],
    };
  }
  return undefined;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function json(status: number, body: unknown): SimResponse {
  return { status, body, headers: { 'content-type': 'application/json; charset=utf-8' } };
}

/** A stable id derived from a name, formatted as a GUID (service principal object ids). */
export function deterministicUuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** v2 tokens carry a per-application subject rather than the object id. */
function pairwiseSubject(oid: string, audience: string): string {
  return createHash('sha256').update(`${oid}|${audience}`).digest('base64url').slice(0, 43);
}
