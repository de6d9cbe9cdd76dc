import { request as httpRequest, type Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { DependencyUnavailableError, InvalidTokenError } from '../../errors';
import { type OperatorPrincipal, type OperatorRole, operatorRoles } from '../contract';

export interface TokenVerifierOptions {
  /** `ENTRA_AUTHORITY_HOST`, e.g. `https://login.microsoftonline.com`. */
  authorityHost: string;
  /** `OPERATOR_TENANT_ID`: the only tenant whose users are operators. */
  tenantId: string;
  /** `OPERATOR_API_AUDIENCE`: the API's application ID URI or client id. */
  audience: string;
  /** The TLS trust for the metadata and key requests (the local stand-ins' CA); Node's default otherwise. */
  agent?: HttpsAgent | HttpAgent;
  /** Seconds of clock skew allowed on `exp` and `nbf`. */
  clockToleranceSeconds?: number;
  now?: () => Date;
}

/** The two algorithms Entra ID signs access tokens with; `none`, HMAC and EC are refused before any key is used. */
const acceptedAlgorithms = ['RS256', 'PS256'];
const maxSkewSeconds = 300;
const metadataTimeoutMs = 10_000;
/** A failed metadata read is not retried for this long: a burst of requests during an outage makes one call. */
const metadataRetryAfterMs = 5_000;

const metadataSchema = z.object({ issuer: z.url(), jwks_uri: z.url() });
type Metadata = z.infer<typeof metadataSchema>;

const knownRoles = new Set<string>(operatorRoles);
const verifiedCacheLimit = 10_000;

/**
 * Checks Entra ID access tokens for the operator API with jose: signature against the operator tenant's JWKS (found
 * through its OpenID metadata, read once; keys cached by jose and refetched at most once per cooldown when a token
 * names an unknown `kid`), RS256/PS256 only, `iss` from the metadata, `aud`, `tid`, `exp`/`nbf` with five minutes of
 * skew, and an `oid`. Every refusal is an InvalidTokenError with a fixed description.
 */
export class OperatorTokenVerifier {
  private discovery: Promise<{ issuer: string; keys: ReturnType<typeof createRemoteJWKSet> }> | undefined;
  private discoveryFailedAt = 0;
  private readonly metadataUrl: URL;
  private readonly tolerance: number;
  /**
   * Tokens already verified, by their exact text: a client reuses its token for an hour, and the signature check is
   * most of what authentication costs. Only an identical token hits; its times are checked again on every use.
   */
  private readonly verified = new Map<string, { principal: OperatorPrincipal; exp: number; nbf: number }>();

  constructor(private readonly options: TokenVerifierOptions) {
    this.metadataUrl = new URL(
      `${options.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(options.tenantId)}/v2.0/.well-known/openid-configuration`,
    );
    this.tolerance = Math.min(options.clockToleranceSeconds ?? maxSkewSeconds, maxSkewSeconds);
  }

  async verify(token: string): Promise<OperatorPrincipal> {
    const cached = this.verified.get(token);
    if (cached) {
      const now = (this.options.now?.() ?? new Date()).getTime() / 1000;
      if (now > cached.exp + this.tolerance) {
        this.verified.delete(token);
        throw new InvalidTokenError('The token has expired.');
      }
      if (now < cached.nbf - this.tolerance) throw new InvalidTokenError('The token is not valid yet.');
      return cached.principal;
    }
    const { issuer, keys } = await this.keys();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: acceptedAlgorithms,
        issuer,
        audience: this.options.audience,
        clockTolerance: this.tolerance,
        requiredClaims: ['exp', 'iss', 'aud', 'tid', 'oid'],
        ...(this.options.now ? { currentDate: this.options.now() } : {}),
      }));
    } catch (error) {
      throw refusal(error);
    }
    if (payload.tid !== this.options.tenantId)
      throw new InvalidTokenError('The token is from another tenant.');
    const oid = payload.oid;
    if (typeof oid !== 'string' || !/^[0-9a-f-]{36}$/i.test(oid))
      throw new InvalidTokenError('The token names no user object id.');
    const principal: OperatorPrincipal = {
      oid: oid.toLowerCase(),
      ...(typeof payload.name === 'string' ? { name: payload.name } : {}),
      ...(typeof payload.preferred_username === 'string'
        ? { preferredUsername: payload.preferred_username }
        : {}),
      roles: strings(payload.roles).filter((role): role is OperatorRole => knownRoles.has(role)),
      amr: strings(payload.amr),
      acrs: strings(payload.acrs),
    };
    if (this.verified.size >= verifiedCacheLimit) this.verified.clear();
    this.verified.set(token, { principal, exp: payload.exp ?? 0, nbf: payload.nbf ?? 0 });
    return principal;
  }

  /** The issuer and key set, discovered once and shared by every request; a failed discovery is retried later. */
  private keys(): Promise<{ issuer: string; keys: ReturnType<typeof createRemoteJWKSet> }> {
    if (!this.discovery) {
      if (Date.now() - this.discoveryFailedAt < metadataRetryAfterMs)
        return Promise.reject(unavailable(undefined));
      this.discovery = this.discover().catch((error: unknown) => {
        this.discovery = undefined;
        this.discoveryFailedAt = Date.now();
        throw unavailable(error);
      });
    }
    return this.discovery;
  }

  private async discover(): Promise<{ issuer: string; keys: ReturnType<typeof createRemoteJWKSet> }> {
    const metadata: Metadata = metadataSchema.parse(await getJson(this.metadataUrl, this.options.agent));
    const keys = createRemoteJWKSet(new URL(metadata.jwks_uri), {
      ...(this.options.agent ? { agent: this.options.agent } : {}),
      timeoutDuration: metadataTimeoutMs,
      // An unknown kid refetches the set at most every 30 s; a known set is kept for a day (Entra rolls keys slowly
      // and announces new ones in the set well before it signs with them).
      cooldownDuration: 30_000,
      cacheMaxAge: 24 * 60 * 60_000,
    });
    return { issuer: metadata.issuer, keys };
  }
}

function unavailable(cause: unknown): DependencyUnavailableError {
  return new DependencyUnavailableError(
    'The operator tenant’s signing keys could not be read; try again shortly.',
    'entraId',
    { cause },
  );
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Maps jose's failures to fixed descriptions; a failure to reach the key set is an outage (503), not a bad token. */
function refusal(error: unknown): Error {
  // The key set timed out, answered other than 200 (jose's generic error) or with no key set.
  if (
    error instanceof joseErrors.JWKSTimeout ||
    error instanceof joseErrors.JWKSInvalid ||
    (error instanceof joseErrors.JOSEError && error.code === 'ERR_JOSE_GENERIC')
  )
    return unavailable(error);
  if (error instanceof joseErrors.JWTExpired) return new InvalidTokenError('The token has expired.');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'nbf':
        return new InvalidTokenError('The token is not valid yet.');
      case 'aud':
        return new InvalidTokenError('The token is for another audience.');
      case 'iss':
        return new InvalidTokenError('The token is from another issuer.');
      default:
        return new InvalidTokenError(`The token lacks a valid ${error.claim} claim.`);
    }
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed)
    return new InvalidTokenError('The token is signed with an algorithm this API does not accept.');
  if (
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JWSSignatureVerificationFailed
  )
    return new InvalidTokenError('The token signature does not verify.');
  if (error instanceof joseErrors.JOSEError || error instanceof TypeError)
    return new InvalidTokenError('The token is malformed.');
  // The key set could not be fetched (network, TLS, a 5xx): the token may well be good.
  return unavailable(error);
}

function getJson(url: URL, agent: HttpsAgent | HttpAgent | undefined): Promise<unknown> {
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      { method: 'GET', headers: { accept: 'application/json' }, ...(agent ? { agent } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) {
            reject(new Error(`OpenID metadata answered ${res.statusCode ?? 'no status'}`));
            return;
          }
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(metadataTimeoutMs, () => req.destroy(new Error('OpenID metadata timed out')));
    req.on('error', reject);
    req.end();
  });
}
