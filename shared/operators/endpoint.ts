import {
  type HttpHandler,
  type HttpRequest,
  type HttpResponseInit,
  type InvocationContext,
} from '@azure/functions';
import { z } from 'zod';
import { type AuditEvent, type AuditPort } from '../audit/contract';
import {
  AppError,
  DependencyUnavailableError,
  ForbiddenError,
  InvalidTokenError,
  NotFoundError,
  OperatorIneligibleError,
  PayloadTooLargeError,
  RoleRequiredError,
  StepUpRequiredError,
  ValidationError,
} from '../errors';
import { toProblemResponse } from '../http/problem';
import { parseJson, parseOrThrow } from '../validation';
import { type OperatorPrincipal } from './contract';
import {
  type IneligibilityReason,
  ineligibility,
  inScope,
  type OperatorRecord,
  type TenantScope,
} from './operator-record';
import {
  isTenantScoped,
  isWrite,
  type OperatorRouteName,
  type operatorRoutes,
  type RouteSpec,
} from './routes';

/** Who is calling, once the token verified and the registry was read. */
export interface Caller {
  principal: OperatorPrincipal;
  operator: OperatorRecord | undefined;
  ineligibleBecause: IneligibilityReason[];
  /** The tenants the caller may see; none while ineligible. */
  scope: TenantScope;
}

type Parsed<R, K extends string> = R extends { [P in K]: infer S extends z.ZodType }
  ? z.output<S>
  : undefined;

export interface Call<R extends RouteSpec> {
  request: HttpRequest;
  context: InvocationContext;
  /** Undefined only on anonymous routes. */
  caller: R['access'] extends { kind: 'anonymous' } ? undefined : Caller;
  params: Parsed<R, 'params'>;
  query: Parsed<R, 'query'>;
  headers: Parsed<R, 'headers'>;
  body: Parsed<R, 'body'>;
}

export type RouteImplementation<R extends RouteSpec> = (call: Call<R>) => Promise<HttpResponseInit>;
export type OperatorApiImplementations = {
  [K in OperatorRouteName]: RouteImplementation<(typeof operatorRoutes)[K]>;
};

export interface EndpointDependencies {
  verifier: { verify(token: string): Promise<OperatorPrincipal> };
  operators: { find(oid: string): Promise<OperatorRecord | undefined> };
  audit: AuditPort;
  /** OPERATOR_PRIVILEGED_AUTH_CONTEXT. */
  privilegedContext: string;
  now(): Date;
}

/** The one answer for a tenant that does not exist and for one outside the caller's scope: nobody learns which exist. */
export function unknownTenant(tenantId: string): NotFoundError {
  return new NotFoundError(`Tenant ${tenantId} is not known to the service.`);
}

/** RFC 6750 b64token. */
const bearerPattern = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;
const maxBodyBytes = 4 * 1024 * 1024;

/**
 * The one way into the operator API. In this order: a bearer token in the Authorization header (never the query
 * string) verified by jose; the operator's registry record and eligibility; the route's role; for writes `mfa` in
 * `amr` (and the authentication context for privileged ones); the tenant scope; then every input validated by the
 * route's schemas. Refused writes by a known caller are recorded as `refused` in the audit trail.
 */
export function operatorEndpoint<R extends RouteSpec>(
  spec: R,
  deps: EndpointDependencies,
  implementation: RouteImplementation<R>,
): HttpHandler {
  return async (request, context) => {
    try {
      const caller = spec.access.kind === 'anonymous' ? undefined : await authenticate(request, deps);
      if (caller) await authorize(spec, caller, request, context, deps);
      const call = {
        request,
        context,
        caller,
        params: spec.params ? parseOrThrow(spec.params, request.params, 'route') : undefined,
        query: parseOrThrow(spec.query ?? noQuery, queryObject(request), 'query string'),
        headers: spec.headers
          ? parseOrThrow(spec.headers, headerObject(request, spec.headers), 'headers')
          : undefined,
        body: spec.body ? parseOrThrow(spec.body, await jsonBody(request), 'body') : await noBody(request),
      } as Call<R>;
      return await implementation(call);
    } catch (error) {
      return toProblemResponse(error, request, context);
    }
  };
}

async function authenticate(request: HttpRequest, deps: EndpointDependencies): Promise<Caller> {
  // Tokens in URLs end up in logs and browser history (RFC 6750 section 5.3): refused even next to a good header.
  if (request.query.has('access_token'))
    throw new InvalidTokenError('Send the token in the Authorization header, not in the query string.');
  const token = bearerPattern.exec(request.headers.get('authorization') ?? '')?.[1];
  if (!token) throw new InvalidTokenError('An Authorization: Bearer access token is required.');
  const principal = await deps.verifier.verify(token);
  const operator = await deps.operators.find(principal.oid);
  const ineligibleBecause = ineligibility(operator, deps.now());
  return {
    principal,
    operator,
    ineligibleBecause,
    scope: operator && ineligibleBecause.length === 0 ? operator.tenants : [],
  };
}

async function authorize(
  spec: RouteSpec,
  caller: Caller,
  request: HttpRequest,
  context: InvocationContext,
  deps: EndpointDependencies,
): Promise<void> {
  if (spec.access.kind !== 'role') return;
  const tenantId = isTenantScoped(spec)
    ? (request.params.tenantId ?? request.query.get('tenantId') ?? undefined)
    : undefined;
  try {
    if (caller.ineligibleBecause.length > 0) throw new OperatorIneligibleError(caller.ineligibleBecause);
    if (!caller.principal.roles.includes(spec.access.role)) throw new RoleRequiredError(spec.access.role);
    if (isWrite(spec) && !caller.principal.amr.includes('mfa')) throw new StepUpRequiredError({ mfa: true });
    if (spec.access.privileged && !caller.principal.acrs.includes(deps.privilegedContext))
      throw new StepUpRequiredError({ authenticationContext: deps.privilegedContext });
    // A malformed id is a 400 from the schema later; only a well-formed id outside the scope is hidden here.
    if (tenantId !== undefined && !inScope(caller.scope, tenantId)) throw unknownTenant(tenantId);
  } catch (error) {
    if (spec.audit && (error instanceof ForbiddenError || error instanceof NotFoundError)) {
      const inScopeTenant = tenantId !== undefined && inScope(caller.scope, tenantId) ? tenantId : undefined;
      await deps.audit
        .record(
          auditEvent(spec.audit, caller, context, deps.now(), {
            id: `${spec.audit}:${context.invocationId}:refused`,
            outcome: 'refused',
            reason: error instanceof AppError ? error.code : 'refused',
            tenantId: inScopeTenant,
            target: targetOf(spec, request),
          }),
        )
        .catch((recordError: unknown) =>
          context.error('Could not record a refused operator write', recordError),
        );
    }
    throw error;
  }
}

function targetOf(spec: RouteSpec, request: HttpRequest): AuditEvent['target'] {
  if (spec.audit === 'operator.update') return { type: 'operator', id: request.params.oid || 'unknown' };
  if (spec.audit === 'onboarding.start')
    return { type: 'onboarding', id: request.params.tenantId || 'unknown' };
  return { type: 'tenant', id: request.params.tenantId || 'unknown' };
}

export function auditEvent(
  action: NonNullable<RouteSpec['audit']>,
  caller: Caller,
  context: InvocationContext,
  now: Date,
  event: Pick<AuditEvent, 'id' | 'outcome' | 'target'> & Partial<Pick<AuditEvent, 'reason' | 'tenantId'>>,
): AuditEvent {
  return {
    action,
    actor: {
      kind: 'operator',
      oid: caller.principal.oid,
      ...(caller.operator?.displayName ? { displayName: caller.operator.displayName } : {}),
    },
    correlation: { invocationId: context.invocationId },
    time: now.toISOString(),
    ...event,
  };
}

/**
 * Records the action before it is carried out and fails closed: when the trail cannot take the event, nothing is
 * done and the caller gets 503 with Retry-After. When the action then fails, a `failed` event follows (best effort:
 * the first event already says who tried what).
 */
export async function audited<T>(
  audit: AuditPort,
  event: AuditEvent,
  context: InvocationContext,
  act: () => Promise<T>,
): Promise<T> {
  try {
    await audit.record(event);
  } catch (error) {
    throw error instanceof AppError && error.retryable
      ? error
      : new DependencyUnavailableError(
          'The audit trail did not accept the event; nothing was changed.',
          'audit',
          {
            cause: error,
          },
        );
  }
  try {
    return await act();
  } catch (error) {
    await audit
      .record({
        ...event,
        id: `${event.id}:failed`,
        outcome: 'failed',
        reason: error instanceof AppError ? error.code : 'unexpectedError',
        time: new Date().toISOString(),
      })
      .catch((recordError: unknown) =>
        context.error('Could not record a failed operator write', recordError),
      );
    throw error;
  }
}

/** The query string as an object; a name given twice is refused rather than silently picking one. */
function queryObject(request: HttpRequest): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of request.query.entries()) {
    if (name in result)
      throw new ValidationError('The query string is invalid.', [
        { field: name, message: 'is given more than once' },
      ]);
    result[name] = value;
  }
  return result;
}

function headerObject(request: HttpRequest, schema: z.ZodObject): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.keys(schema.shape).map((name) => [name, request.headers.get(name) ?? undefined]),
  );
}

/** A route without a query schema takes no query string: a misspelt filter is an error, not a silent no-op. */
const noQuery = z.strictObject({});

/** A route without a body schema takes no body. */
async function noBody(request: HttpRequest): Promise<undefined> {
  if (request.body !== null && (await request.arrayBuffer()).byteLength > 0)
    throw new ValidationError('This operation takes no body.', [
      { field: '(body)', message: 'must be empty' },
    ]);
  return undefined;
}

async function jsonBody(request: HttpRequest): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type))
    throw new ValidationError('The body must be JSON.', [
      { field: 'content-type', message: 'must be application/json' },
    ]);
  const raw = Buffer.from(await request.arrayBuffer());
  if (raw.length > maxBodyBytes) throw new PayloadTooLargeError(`The body exceeds ${maxBodyBytes} bytes.`);
  return parseJson(raw, 'body');
}
