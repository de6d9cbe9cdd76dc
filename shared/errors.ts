/**
 * One error family for the whole app. Adapters translate SDK and HTTP failures into these; the HTTP edge maps
 * them to RFC 7807 problem details; activities rethrow only the retryable ones so that a retry policy can cure
 * them, and return business outcomes as values.
 */
export interface FieldProblem {
  /** Dotted path of the offending field, e.g. `devices.3.serialNumber`. */
  field: string;
  message: string;
}

export abstract class AppError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  readonly retryable: boolean = false;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  readonly code = 'validation_failed';
  readonly status = 400;
  constructor(
    message: string,
    readonly problems: FieldProblem[] = [],
  ) {
    super(message);
  }
}

export class UnauthorizedError extends AppError {
  readonly code: string = 'unauthorized';
  readonly status = 401;
}

/**
 * A bearer token that is missing, malformed, or fails a check (signature, algorithm, issuer, audience, tenant, time).
 * The HTTP edge answers 401 with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750); `description` is a
 * fixed text, never a value from the token.
 */
export class InvalidTokenError extends UnauthorizedError {
  override readonly code = 'invalid_token';
}

export class ForbiddenError extends AppError {
  readonly code: string = 'forbidden';
  readonly status = 403;
  constructor(
    message: string,
    /** RFC 7807 extension members that say what is missing (a role, a step-up, the reasons of ineligibility). */
    readonly extensions: Record<string, unknown> = {},
    /** Headers the answer carries, such as a claims challenge for a missing authentication context. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The caller holds a valid token but lacks the app role the endpoint needs. */
export class RoleRequiredError extends ForbiddenError {
  override readonly code = 'role_required';
  constructor(readonly role: string) {
    super(`This action needs the ${role} role.`, { requiredRole: role });
  }
}

/**
 * The token lacks a step-up the action needs: `mfa` among its authentication methods, or a Conditional Access
 * authentication context (answered with a claims challenge, so the client can ask Entra ID for a token that has it).
 */
export class StepUpRequiredError extends ForbiddenError {
  override readonly code: string;
  constructor(step: { mfa: true } | { authenticationContext: string }) {
    if ('mfa' in step) {
      super('This action needs a token from a multi-factor sign-in (mfa in amr).', {
        requiredAuthenticationMethod: 'mfa',
      });
      this.code = 'mfa_required';
    } else {
      const claims = JSON.stringify({
        access_token: { acrs: { essential: true, value: step.authenticationContext } },
      });
      super(
        `This action needs the privileged authentication context ${step.authenticationContext} (acrs).`,
        { requiredAuthenticationContext: step.authenticationContext },
        {
          'www-authenticate': `Bearer error="insufficient_claims", claims="${Buffer.from(claims).toString('base64')}"`,
        },
      );
      this.code = 'authentication_context_required';
    }
  }
}

/** A valid token of someone who may not act as an operator now: unregistered, disabled, outside the US, lapsed. */
export class OperatorIneligibleError extends ForbiddenError {
  override readonly code = 'operator_ineligible';
  constructor(reasons: readonly string[]) {
    super(`You may not act as an operator: ${reasons.join(', ')}. GET /api/v1/me says the same.`, {
      ineligibleBecause: [...reasons],
    });
  }
}

export class NotFoundError extends AppError {
  readonly code = 'not_found';
  readonly status = 404;
}

export class ConflictError extends AppError {
  readonly code = 'conflict';
  readonly status = 409;
  /** RFC 7807 extension members that say what is in the way (who holds a lease, until when). */
  readonly extensions: Record<string, unknown>;
  constructor(message: string, options?: ErrorOptions & { extensions?: Record<string, unknown> }) {
    super(message, options);
    this.extensions = options?.extensions ?? {};
  }
}

/** An optimistic-concurrency check (ETag) failed: someone else wrote first. Re-read and try again. */
export class PreconditionFailedError extends AppError {
  readonly code = 'precondition_failed';
  readonly status = 412;
  override readonly retryable = true;
}

/** An Idempotency-Key was used before for a different request. */
export class IdempotencyKeyReusedError extends AppError {
  readonly code = 'idempotency_key_reused';
  readonly status = 422;
}

export class PayloadTooLargeError extends AppError {
  readonly code = 'payload_too_large';
  readonly status = 413;
}

/** A dependency asked us to slow down; `retryAfterMs` is what it told us, when it did. */
export class ThrottledError extends AppError {
  readonly code = 'throttled';
  readonly status = 429;
  override readonly retryable = true;
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A dependency failed in a way a later attempt may not see (5xx, timeout, connection reset). */
export class DependencyUnavailableError extends AppError {
  readonly code = 'dependency_unavailable';
  readonly status = 503;
  override readonly retryable = true;
  constructor(
    message: string,
    readonly dependency: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A dependency refused the request for good (4xx other than throttling): retrying will not help. */
export class DependencyRejectedError extends AppError {
  readonly code = 'dependency_rejected';
  readonly status = 502;
  constructor(
    message: string,
    readonly dependency: string,
    readonly dependencyStatus: number,
    readonly dependencyCode?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Settings are missing or malformed; start-up stops with every problem listed by name. */
export class ConfigError extends AppError {
  readonly code = 'invalid_configuration';
  readonly status = 500;
  constructor(readonly problems: FieldProblem[]) {
    super(`Invalid configuration: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
  }
}

export function isRetryable(error: unknown): boolean {
  return error instanceof AppError && error.retryable;
}
