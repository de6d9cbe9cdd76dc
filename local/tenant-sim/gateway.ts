/**
 * The Graph/Defender request pipeline: token → latency → ($batch | route → permission → throttling →
 * injected fault → handler). A `$batch` runs each inner request through the same per-request steps,
 * so each is authorised, throttled and counted on its own.
 */
import { type Clock } from '@mds/platform-kit';
import { type ApiSurface, type SimRequest, type SimResponse, graphError } from './contract';
import { type Counters } from './counters';
import { type EntraId } from './entra';
import { SimError, defenderError, surfaceError } from './errors';
import { type FaultInjector, faultResponse, throttledResponse } from './faults';
import { type Router } from './router';
import { type Throttler, bucketOf } from './throttle';
import { executeBatch } from './batch';

export interface ApiRequest {
  surface: ApiSurface;
  method: string;
  /** Path below the surface root, still percent-encoded. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
}

/** Who is calling, from the access token. */
export interface Caller {
  tenantId: string;
  appId: string;
  roles: readonly string[];
}

export interface GatewayParts {
  entra: EntraId;
  router: Router;
  throttler: Throttler;
  faults: FaultInjector;
  counters: Counters;
  clock: Clock;
  /** Absolute root URL of each surface, e.g. `https://127.0.0.1:PORT/graph/v1.0`. */
  surfaceRoots: Record<ApiSurface, string>;
}

export class Gateway {
  constructor(private readonly parts: GatewayParts) {}

  async handle(request: ApiRequest): Promise<SimResponse> {
    const access = this.parts.entra.checkAccessToken(request.headers.authorization, request.surface);
    if (!access.ok) return unauthorized(request.surface, access.reason);
    const caller: Caller = { tenantId: access.tenantId, appId: access.appId, roles: access.roles };
    const latency = this.parts.faults.latencyMs(caller.tenantId);
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    if (
      request.surface !== 'defender' &&
      request.method === 'POST' &&
      /^\/(\$|%24)batch\/?$/i.test(request.path)
    ) {
      this.parts.counters.request(caller.tenantId, `POST ${request.surface} /$batch`);
      return executeBatch(request, (inner) => this.dispatch(caller, inner));
    }
    return this.dispatch(caller, request);
  }

  /** One request after authentication: a top-level call or one request of a batch. */
  async dispatch(caller: Caller, request: ApiRequest): Promise<SimResponse> {
    const { router, throttler, faults, counters } = this.parts;
    const match = router.match(request.surface, request.method, request.path);
    if (match.kind !== 'found') {
      counters.request(caller.tenantId, `${request.method} ${request.surface} (no route)`);
      return noRoute(request, match.kind === 'method-not-allowed');
    }
    const { route, params } = match;
    counters.request(caller.tenantId, `${request.method} ${request.surface} ${route.pattern}`);

    if (
      route.permissions.length > 0 &&
      !route.permissions.some((permission) => caller.roles.includes(permission))
    ) {
      return forbidden(request.surface, route.permissions);
    }
    const decision = throttler.admit(
      caller.tenantId,
      caller.appId,
      bucketOf(request.surface, request.path),
      route.write,
    );
    if (!decision.allowed) {
      counters.throttled(caller.tenantId, request.surface);
      return throttledResponse(request.surface, decision.retryAfterSeconds);
    }
    const fault = faults.decide(caller.tenantId, request);
    if (fault.kind === 'throttle') {
      counters.throttled(caller.tenantId, request.surface);
      return throttledResponse(request.surface, fault.retryAfterSeconds);
    }
    if (fault.kind === 'error') {
      counters.fault(caller.tenantId);
      return faultResponse(request.surface, fault.status, fault.retryAfterSeconds);
    }
    if (route.write) counters.write(caller.tenantId);

    const simRequest: SimRequest = {
      method: request.method,
      surface: request.surface,
      path: decodePath(request.path),
      params,
      query: request.query,
      body: request.body,
      headers: request.headers,
      tenantId: caller.tenantId,
      appId: caller.appId,
      clock: this.parts.clock,
      baseUrl: this.parts.surfaceRoots[request.surface],
    };
    try {
      return await route.handler(simRequest);
    } catch (error) {
      if (error instanceof SimError) return error.response;
      console.error(`tenant-sim: ${request.method} ${route.pattern} failed:`, error);
      return surfaceError(
        request.surface,
        500,
        'InternalServerError',
        'The simulator failed to handle the request.',
      );
    }
  }
}

function decodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join('/');
}

function unauthorized(surface: ApiSurface, reason: string): SimResponse {
  if (surface === 'defender') return defenderError(401, 'Unauthorized', reason);
  const response = graphError(401, 'InvalidAuthenticationToken', reason);
  response.headers = {
    'www-authenticate':
      'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
  };
  return response;
}

function forbidden(surface: ApiSurface, permissions: readonly string[]): SimResponse {
  if (surface === 'defender') {
    return defenderError(
      403,
      'Forbidden',
      `The application does not have any of the required application permissions (${permissions.join(', ')}) to access the resource.`,
    );
  }
  return graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
}

function noRoute(request: ApiRequest, methodExists: boolean): SimResponse {
  if (request.surface === 'defender') {
    return methodExists
      ? defenderError(
          405,
          'MethodNotAllowed',
          `The requested resource does not support http method '${request.method}'.`,
        )
      : defenderError(
          404,
          'ResourceNotFound',
          `No HTTP resource was found that matches the request URI '${request.path}'.`,
        );
  }
  if (methodExists)
    return graphError(
      405,
      'Request_BadRequest',
      `The requested resource does not support http method '${request.method}'.`,
    );
  const segment = decodePath(request.path).split('/').filter(Boolean).pop() ?? '';
  return graphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
}
