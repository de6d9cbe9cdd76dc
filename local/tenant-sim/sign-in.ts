/**
 * Interactive sign-in of the provider's operators, as Entra ID serves a single-page app: the authorization endpoint
 * with its sign-in page (account and password, then an Authenticator approval for users with an MFA method), the
 * authorization code grant with PKCE (S256) redeemed cross-origin at the token endpoint, refresh tokens, logout,
 * and CORS for the app's origin.
 *
 * Behaviour follows the Microsoft identity platform's auth code flow documentation:
 * - `redirect_uri` must be one the app registered (else an error page, never a redirect: AADSTS50011); loopback
 *   redirect URIs match on any port.
 * - The code comes back in the fragment (MSAL's default for SPAs) or the query (`response_mode=query`), with
 *   `state` and, when `client_info=1`, `client_info`.
 * - A code of a SPA registration is redeemed only cross-origin (an `Origin` header; else AADSTS9002327), only with
 *   PKCE (AADSTS9002325), whose verifier must hash to the challenge (AADSTS501481), once, within 10 minutes
 *   (AADSTS70008).
 * - `claims` asking for an authentication context (`{"access_token":{"acrs":{"essential":true,"value":"c1"}}}`, as
 *   the API's 403 challenge names) is met by an MFA sign-in and puts the context in `acrs`; a refresh token that
 *   lacks it answers `interaction_required` (AADSTS50076), so the app comes back interactively.
 * - `amr` is `["pwd"]`, or `["pwd","mfa"]` after the approval; `prompt=none` answers `login_required` (this
 *   simulator keeps no browser session).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type SimResponse } from './contract';
import { type AadFailure, aad, aadErrorResponse } from './aad-errors';
import { type JwtClaims, type SigningKey, signJwt } from './jwt';

/** A person of an operator tenant who can sign in interactively. */
export interface OperatorUser {
  oid: string;
  upn: string;
  name: string;
  /** The local password of the simulated account. */
  password: string;
  /** App roles of the operator API assigned to the user. */
  roles: readonly string[];
  /** Has an Authenticator registered: the sign-in asks for its approval (Conditional Access requires MFA). */
  mfa: boolean;
}

/** A single-page app registered in an operator tenant, and the API it asks tokens for. */
export interface SpaRegistration {
  clientId: string;
  /** Redirect URIs of the `spa` platform. */
  redirectUris: readonly string[];
  /** The API's application ID URI, e.g. `api://managed-desktop-security`: the access tokens' `aud`. */
  apiAudience: string;
  /** The API's delegated scopes, e.g. `access_as_user`. */
  apiScopes: readonly string[];
}

export interface OperatorDirectory {
  users: readonly OperatorUser[];
  apps: readonly SpaRegistration[];
}

export interface IssueAccessToken {
  (options: {
    tenantId: string;
    user: OperatorUser;
    audience: string;
    amr: string[];
    acrs: string[];
    scopes: string[];
    clientId: string;
  }): string;
}

interface PendingSignIn {
  tenantId: string;
  app: SpaRegistration;
  params: URLSearchParams;
  requestedContexts: string[];
  user?: OperatorUser;
  expiresAt: number;
}

interface Grant {
  tenantId: string;
  clientId: string;
  user: OperatorUser;
  amr: string[];
  acrs: string[];
  scopes: string[];
  nonce?: string;
  authTime: number;
}

interface IssuedCode extends Grant {
  redirectUri: string;
  codeChallenge?: string;
  expiresAt: number;
}

const codeLifetimeMs = 10 * 60_000;
const signInLifetimeMs = 15 * 60_000;
/** Entra ID gives refresh tokens of SPAs a fixed 24-hour lifetime. */
const spaRefreshLifetimeMs = 24 * 60 * 60_000;
const oidcScopes = new Set(['openid', 'profile', 'email', 'offline_access']);

export class OperatorSignIn {
  private readonly directories = new Map<string, OperatorDirectory>();
  private readonly pending = new Map<string, PendingSignIn>();
  private readonly codes = new Map<string, IssuedCode>();
  private readonly refreshTokens = new Map<string, Grant & { expiresAt: number }>();

  constructor(
    private readonly issuer: (tenantId: string) => string,
    private readonly signingKey: SigningKey,
    private readonly issueAccessToken: IssueAccessToken,
    private readonly tokenLifetimeSeconds: number,
  ) {}

  /** Registers (or replaces) the users and SPA registrations of an operator tenant. */
  setDirectory(tenantId: string, directory: OperatorDirectory): void {
    this.directories.set(tenantId.toLowerCase(), directory);
  }

  /** Whether a request from `origin` may read Entra ID's answers: an origin of a registered SPA redirect URI. */
  allowsOrigin(origin: string): boolean {
    return [...this.directories.values()].some((directory) =>
      directory.apps.some((app) => app.redirectUris.some((uri) => sameOrigin(uri, origin))),
    );
  }

  /** GET and POST `/{tenant}/oauth2/v2.0/authorize`: the sign-in page and its steps. */
  authorize(tenantId: string, method: string, url: URL, form: URLSearchParams): SimResponse {
    if (method === 'POST') return this.step(form);
    const params = url.searchParams;
    const directory = this.directories.get(tenantId.toLowerCase());
    if (!directory) return errorPage(aad.tenantNotFound(tenantId));
    const clientId = params.get('client_id') ?? '';
    const app = directory.apps.find((candidate) => candidate.clientId === clientId);
    if (!app) return errorPage(aad.appNotFound(clientId, tenantId));
    const redirectUri = params.get('redirect_uri') ?? '';
    if (!registeredRedirect(app, redirectUri))
      return errorPage(aad.redirectUriMismatch(redirectUri, clientId));
    if (params.get('response_type') !== 'code')
      return redirectError(
        params,
        'unsupported_response_type',
        'AADSTS700054: response_type is not enabled.',
      );
    const challengeMethod = params.get('code_challenge_method');
    if (params.get('code_challenge') && challengeMethod !== 'S256')
      return redirectError(params, 'invalid_request', 'AADSTS501491: Invalid code_challenge_method.');
    if (params.get('prompt') === 'none')
      return redirectError(
        params,
        'login_required',
        'AADSTS50058: A silent sign-in request was sent but no user is signed in.',
      );
    const requestedContexts = requestedAuthContexts(params.get('claims'));
    if (requestedContexts === undefined)
      return redirectError(params, 'invalid_request', 'AADSTS90014: The claims parameter is not valid JSON.');
    const flow = randomUUID();
    this.pending.set(flow, {
      tenantId,
      app,
      params,
      requestedContexts,
      expiresAt: Date.now() + signInLifetimeMs,
    });
    return page(accountPage(flow, directory.users, params.get('login_hint') ?? undefined));
  }

  /** The token endpoint's interactive grants; undefined for other grant types (client credentials). */
  token(tenantId: string, form: URLSearchParams, origin: string | undefined): SimResponse | undefined {
    const grantType = form.get('grant_type');
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') return undefined;
    const result =
      grantType === 'authorization_code'
        ? this.redeemCode(tenantId, form, origin)
        : this.refresh(tenantId, form);
    if ('status' in result) return aadErrorResponse(result, new Date());
    return {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: this.tokens(result, form),
    };
  }

  /** `/{tenant}/oauth2/v2.0/logout`: ends the (stateless) session and returns to the app. */
  logout(url: URL): SimResponse {
    const target = url.searchParams.get('post_logout_redirect_uri');
    const allowed =
      target &&
      [...this.directories.values()].some((d) => d.apps.some((app) => registeredRedirect(app, target)));
    if (allowed) return { status: 302, headers: { location: target } };
    return page(`<h1>You signed out</h1><p>You can close this window.</p>`);
  }

  private step(form: URLSearchParams): SimResponse {
    const flowId = form.get('flow') ?? '';
    const flow = this.pending.get(flowId);
    if (!flow || flow.expiresAt < Date.now()) {
      this.pending.delete(flowId);
      return page(`<h1>Sign-in timed out</h1><p role="alert">Start again from the application.</p>`, 400);
    }
    const directory = this.directories.get(flow.tenantId.toLowerCase());
    if (form.get('step') === 'password') {
      const user = directory?.users.find((candidate) => candidate.upn === form.get('username'));
      if (!user || user.password !== form.get('password'))
        return page(
          accountPage(
            flowId,
            directory?.users ?? [],
            form.get('username') ?? undefined,
            'Your account or password is incorrect.',
          ),
          200,
        );
      if (user.mfa) {
        flow.user = user;
        return page(mfaPage(flowId, user));
      }
      this.pending.delete(flowId);
      // Conditional Access asks for MFA for an authentication context; an account without a method cannot give it.
      if (flow.requestedContexts.length > 0)
        return redirectError(
          flow.params,
          'interaction_required',
          'AADSTS50079: Due to a configuration change made by your administrator, you must enroll in multi-factor authentication.',
        );
      return this.complete(flow, user, ['pwd'], []);
    }
    if (form.get('step') === 'mfa' && flow.user) {
      this.pending.delete(flowId);
      if (form.get('decision') !== 'approve')
        return redirectError(
          flow.params,
          'access_denied',
          'AADSTS500121: Authentication failed during strong authentication request.',
        );
      return this.complete(flow, flow.user, ['pwd', 'mfa'], flow.requestedContexts);
    }
    return page(`<h1>Something went wrong</h1><p role="alert">The sign-in step is not known.</p>`, 400);
  }

  private complete(flow: PendingSignIn, user: OperatorUser, amr: string[], acrs: string[]): SimResponse {
    const params = flow.params;
    const code = randomBytes(32).toString('base64url');
    const challenge = params.get('code_challenge');
    this.codes.set(code, {
      tenantId: flow.tenantId,
      clientId: flow.app.clientId,
      user,
      amr,
      acrs,
      scopes: (params.get('scope') ?? '').split(' ').filter(Boolean),
      ...(params.get('nonce') ? { nonce: params.get('nonce') as string } : {}),
      authTime: Math.floor(Date.now() / 1000),
      redirectUri: params.get('redirect_uri') ?? '',
      ...(challenge ? { codeChallenge: challenge } : {}),
      expiresAt: Date.now() + codeLifetimeMs,
    });
    const answer = new URLSearchParams({ code });
    if (params.get('client_info') === '1') answer.set('client_info', clientInfo(user, flow.tenantId));
    if (params.get('state') !== null) answer.set('state', params.get('state') as string);
    answer.set('session_state', randomUUID());
    return redirectTo(params, answer);
  }

  private redeemCode(
    tenantId: string,
    form: URLSearchParams,
    origin: string | undefined,
  ): AadFailure | Grant {
    const code = this.codes.get(form.get('code') ?? '');
    this.codes.delete(form.get('code') ?? '');
    if (!code || code.expiresAt < Date.now() || code.tenantId.toLowerCase() !== tenantId.toLowerCase())
      return aad.codeInvalid();
    if (form.get('client_id') !== code.clientId)
      return aad.appNotFound(form.get('client_id') ?? '', tenantId);
    if (form.get('redirect_uri') !== code.redirectUri)
      return aad.redirectUriMismatch(form.get('redirect_uri') ?? '', code.clientId);
    if (!origin) return aad.spaRedemptionWithoutOrigin();
    if (!code.codeChallenge) return aad.pkceRequired();
    const verifier = form.get('code_verifier') ?? '';
    if (createHash('sha256').update(verifier).digest('base64url') !== code.codeChallenge)
      return aad.codeVerifierMismatch();
    return code;
  }

  private refresh(tenantId: string, form: URLSearchParams): AadFailure | Grant {
    const grant = this.refreshTokens.get(form.get('refresh_token') ?? '');
    if (!grant || grant.expiresAt < Date.now() || grant.tenantId.toLowerCase() !== tenantId.toLowerCase())
      return aad.codeInvalid();
    if (form.get('client_id') !== grant.clientId)
      return aad.appNotFound(form.get('client_id') ?? '', tenantId);
    const wanted = requestedAuthContexts(form.get('claims')) ?? [];
    if (wanted.some((context) => !grant.acrs.includes(context))) return aad.claimsNotSatisfied();
    return { ...grant, scopes: (form.get('scope') ?? '').split(' ').filter(Boolean) };
  }

  private tokens(grant: Grant, form: URLSearchParams): Record<string, unknown> {
    const directory = this.directories.get(grant.tenantId.toLowerCase());
    const app = directory?.apps.find((candidate) => candidate.clientId === grant.clientId);
    const resourceScopes = grant.scopes.filter((scope) => !oidcScopes.has(scope));
    const apiScopes = resourceScopes
      .filter((scope) => app && scope.startsWith(`${app.apiAudience}/`))
      .map((scope) => scope.slice((app?.apiAudience.length ?? 0) + 1))
      .flatMap((name) => (name === '.default' ? (app?.apiScopes ?? []) : [name]));
    const access = this.issueAccessToken({
      tenantId: grant.tenantId,
      user: grant.user,
      audience: app?.apiAudience ?? '',
      amr: grant.amr,
      acrs: grant.acrs,
      scopes: apiScopes,
      clientId: grant.clientId,
    });
    const refreshToken = randomBytes(48).toString('base64url');
    this.refreshTokens.set(refreshToken, { ...grant, expiresAt: Date.now() + spaRefreshLifetimeMs });
    const now = Math.floor(Date.now() / 1000);
    const idClaims: JwtClaims = {
      aud: grant.clientId,
      iss: this.issuer(grant.tenantId),
      iat: now,
      nbf: now,
      exp: now + this.tokenLifetimeSeconds,
      auth_time: grant.authTime,
      name: grant.user.name,
      oid: grant.user.oid,
      preferred_username: grant.user.upn,
      sub: createHash('sha256')
        .update(`${grant.user.oid}|${grant.clientId}`)
        .digest('base64url')
        .slice(0, 43),
      tid: grant.tenantId,
      uti: randomUUID(),
      ver: '2.0',
      ...(grant.nonce ? { nonce: grant.nonce } : {}),
    };
    return {
      token_type: 'Bearer',
      scope: apiScopes.map((name) => `${app?.apiAudience ?? ''}/${name}`).join(' '),
      expires_in: this.tokenLifetimeSeconds,
      ext_expires_in: this.tokenLifetimeSeconds,
      access_token: access,
      refresh_token: refreshToken,
      refresh_token_expires_in: spaRefreshLifetimeMs / 1000,
      id_token: signJwt(idClaims, this.signingKey),
      ...(form.get('client_info') === '1' ? { client_info: clientInfo(grant.user, grant.tenantId) } : {}),
    };
  }
}

/** The contexts a `claims` request parameter asks for in the access token (`acrs`); undefined when it is not JSON. */
function requestedAuthContexts(claims: string | null): string[] | undefined {
  if (!claims) return [];
  try {
    const parsed = JSON.parse(claims) as { access_token?: { acrs?: { value?: unknown; values?: unknown } } };
    const acrs = parsed.access_token?.acrs;
    const values: unknown[] = [
      acrs?.value,
      ...(Array.isArray(acrs?.values) ? (acrs.values as unknown[]) : []),
    ];
    return values.filter((value): value is string => typeof value === 'string');
  } catch {
    return undefined;
  }
}

function isLoopback(url: URL): boolean {
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/** Entra ID matches loopback redirect URIs on any port (native and local development), others exactly. */
function registeredRedirect(app: SpaRegistration, redirectUri: string): boolean {
  let wanted: URL;
  try {
    wanted = new URL(redirectUri);
  } catch {
    return false;
  }
  return app.redirectUris.some((registered) => {
    const candidate = new URL(registered);
    if (isLoopback(candidate) && isLoopback(wanted))
      return candidate.hostname === wanted.hostname && candidate.pathname === wanted.pathname;
    return registered === redirectUri;
  });
}

function sameOrigin(registered: string, origin: string): boolean {
  try {
    const candidate = new URL(registered);
    const asked = new URL(origin);
    if (isLoopback(candidate) && isLoopback(asked)) return candidate.hostname === asked.hostname;
    return candidate.origin === asked.origin;
  } catch {
    return false;
  }
}

function clientInfo(user: OperatorUser, tenantId: string): string {
  return Buffer.from(JSON.stringify({ uid: user.oid, utid: tenantId })).toString('base64url');
}

/** Back to the app with the answer, in the fragment unless the app asked for the query. */
function redirectTo(params: URLSearchParams, answer: URLSearchParams): SimResponse {
  const target = new URL(params.get('redirect_uri') ?? '');
  if (params.get('response_mode') === 'query') {
    for (const [name, value] of answer) target.searchParams.set(name, value);
  } else target.hash = answer.toString();
  return { status: 302, headers: { location: target.toString(), 'cache-control': 'no-store' } };
}

function redirectError(params: URLSearchParams, error: string, description: string): SimResponse {
  const answer = new URLSearchParams({ error, error_description: description });
  if (params.get('state') !== null) answer.set('state', params.get('state') as string);
  return redirectTo(params, answer);
}

function errorPage(failure: AadFailure): SimResponse {
  return page(
    `<h1>Sorry, but we’re having trouble signing you in.</h1><p role="alert">AADSTS${failure.code}: ${escapeHtml(failure.message)}</p>`,
    400,
  );
}

function accountPage(
  flow: string,
  users: readonly OperatorUser[],
  selected?: string,
  error?: string,
): string {
  const accounts = users
    .map((user, index) => {
      const id = `account-${index}`;
      const checked = user.upn === selected || (!selected && index === 0) ? ' checked' : '';
      return `<li><input type="radio" name="username" id="${id}" value="${escapeHtml(user.upn)}"${checked}>
        <label for="${id}">${escapeHtml(user.name)} <span class="upn">${escapeHtml(user.upn)}</span></label></li>`;
    })
    .join('');
  return `<h1>Sign in</h1>
    ${error ? `<p role="alert" class="error">${escapeHtml(error)}</p>` : ''}
    <form method="post">
      <input type="hidden" name="flow" value="${flow}"><input type="hidden" name="step" value="password">
      <fieldset><legend>Pick an account</legend><ul>${accounts}</ul></fieldset>
      <label for="password">Password</label>
      <input type="password" id="password" name="password" autocomplete="current-password" required>
      <button type="submit">Sign in</button>
    </form>`;
}

function mfaPage(flow: string, user: OperatorUser): string {
  return `<h1>Approve sign-in request</h1>
    <p>${escapeHtml(user.upn)}</p>
    <p>Open your Authenticator app and approve the request to sign in.</p>
    <form method="post">
      <input type="hidden" name="flow" value="${flow}"><input type="hidden" name="step" value="mfa">
      <button type="submit" name="decision" value="approve">Approve</button>
      <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
    </form>`;
}

function page(body: string, status = 200): SimResponse {
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in to your account</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:16px/1.5 system-ui,sans-serif;background:#f2f2f2;color:#1b1b1b;margin:0}
main{max-width:26rem;margin:4rem auto;background:#fff;padding:2rem 2.5rem;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:1.5rem;margin-top:0}ul{list-style:none;padding:0;margin:0}li{margin:.4rem 0}
fieldset{border:0;padding:0;margin:0 0 1rem}legend{font-weight:600;margin-bottom:.5rem}
.upn{display:block;color:#444;font-size:.875rem;margin-left:1.6rem}
input[type=password]{display:block;width:100%;box-sizing:border-box;padding:.5rem;margin:.25rem 0 1rem;border:1px solid #666}
button{background:#0067b8;color:#fff;border:0;padding:.5rem 1.5rem;font-size:1rem;margin-right:.5rem;cursor:pointer}
button.secondary{background:#e6e6e6;color:#1b1b1b}button:focus-visible,input:focus-visible{outline:3px solid #1b1b1b;outline-offset:2px}
.error{color:#a4262c;font-weight:600}
</style></head><body><main>${body}</main></body></html>`,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
