/**
 * One HTTPS server for every simulated tenant, on loopback:
 *   /{tenant}/oauth2/v2.0/token|authorize|logout, /{tenant}/v2.0/.well-known/openid-configuration,
 *   /{tenant|common}/discovery[/v2.0]/keys (interactive sign-in of operators: sign-in.ts)
 *   /graph/v1.0/...   /graph/beta/...   (Graph; the tenant is the token's `tid`, as in Azure)
 *   /defender/api/... (Defender for Endpoint)
 *   /_sim/...         (control API, see control.ts)
 *   and whatever `unauthenticatedPaths` serve (report export downloads, as blob storage serves SAS links)
 */
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { type Clock, listen } from '@mds/platform-kit';
import { type ApiSurface, type SimResponse, type SimRoute, graphError } from './contract';
import { SimControl, handleControlRequest } from './control';
import { Counters } from './counters';
import { EntraId } from './entra';
import { FaultInjector } from './faults';
import { Gateway } from './gateway';
import { type SimModel } from './model-port';
import { Router } from './router';
import { type ThrottleSettingsPatch, Throttler, defaultThrottleLimits } from './throttle';

export interface SimServerOptions {
  cert: { cert: string; key: string };
  clock: Clock;
  model: SimModel;
  routes: readonly SimRoute[];
  /** Default 127.0.0.1; the control API has no authentication, so keep it on loopback. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Throttling defaults for every tenant (on, with Intune's and Defender's published limits, unless changed). */
  throttling?: ThrottleSettingsPatch;
  /** Lifetime of app access tokens (default 3599 s, as Entra ID issues them). */
  tokenLifetimeSeconds?: number;
  /** Handlers for paths outside Entra/Graph/Defender that need no token; each returns undefined for others. */
  unauthenticatedPaths?: readonly ((
    method: string,
    url: URL,
  ) => SimResponse | undefined | Promise<SimResponse | undefined>)[];
}

export interface SimServer {
  /** Origin, e.g. `https://127.0.0.1:51234`. */
  url: string;
  port: number;
  /** For `@azure/identity`'s `authorityHost` (with `disableInstanceDiscovery: true`). */
  authorityHost: string;
  /** Graph root without version: append `/v1.0` or `/beta`. */
  graphUrl: string;
  /** Defender root: append `/api/machines` etc. */
  defenderUrl: string;
  control: SimControl;
  /** The v2.0 issuer of operator tokens for `tenantId` (the value `iss` carries). */
  issuer(tenantId: string): string;
  /** The JWKS every simulator token is signed with. */
  jwksUri(tenantId?: string): string;
  stop(): Promise<void>;
}

const maxBodyBytes = 20 * 1024 * 1024;

export async function startSimServer(options: SimServerOptions): Promise<SimServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer({ cert: options.cert.cert, key: options.cert.key });
  server.keepAliveTimeout = 30_000;
  const listening = await listen(server, { name: 'Tenant simulator', host, port: options.port });
  const { port, origin: url } = listening;

  const counters = new Counters();
  const entra = new EntraId(options.model, url, counters, options.tokenLifetimeSeconds);
  const throttler = new Throttler(
    {
      enabled: options.throttling?.enabled ?? true,
      limits: { ...defaultThrottleLimits, ...options.throttling?.limits },
    },
    () => performance.now(),
    () => options.clock.now(),
  );
  const faults = new FaultInjector();
  const surfaceRoots: Record<ApiSurface, string> = {
    'graph-v1.0': `${url}/graph/v1.0`,
    'graph-beta': `${url}/graph/beta`,
    defender: `${url}/defender/api`,
  };
  const gateway = new Gateway({
    entra,
    router: new Router(options.routes),
    throttler,
    faults,
    counters,
    clock: options.clock,
    surfaceRoots,
  });
  const control = new SimControl(options.model, options.clock, entra, throttler, faults, counters);

  const answer = async (request: IncomingMessage): Promise<SimResponse> => {
    const target = new URL(request.url ?? '/', url);
    const method = request.method ?? 'GET';
    const raw = await readBody(request);
    const api = /^\/(graph\/v1\.0|graph\/beta|defender\/api)(\/.*)?$/i.exec(target.pathname);
    if (api) {
      const surface = surfaceOf(api[1] as string);
      const body = parseJson(raw);
      if (body === invalidJson)
        return graphError(
          400,
          'BadRequest',
          'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
        );
      return gateway.handle({
        surface,
        method,
        path: api[2] ?? '/',
        query: target.searchParams,
        headers: flatHeaders(request),
        body,
      });
    }
    if (target.pathname === '/_sim' || target.pathname.startsWith('/_sim/')) {
      const body = parseJson(raw);
      if (body === invalidJson) return { status: 400, body: { error: 'The body is not valid JSON.' } };
      return handleControlRequest(control, method, target.pathname, body);
    }
    for (const serve of options.unauthenticatedPaths ?? []) {
      const served = await serve(method, target);
      if (served) return served;
    }
    return (
      entra.handle(method, target, raw, request.headers.origin) ?? {
        status: 404,
        body: { error: 'not_found', error_description: `Nothing is served at ${method} ${target.pathname}.` },
      }
    );
  };

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    answer(request).then(
      (result) => send(request, response, result),
      (error: unknown) => {
        if (error instanceof BodyTooLargeError) {
          send(request, response, { status: 413, body: { error: error.message } });
          return;
        }
        console.error('tenant-sim: request failed:', error);
        send(request, response, {
          status: 500,
          body: { error: 'The simulator failed to handle the request.' },
        });
      },
    );
  });

  return {
    url,
    port,
    authorityHost: url,
    graphUrl: `${url}/graph`,
    defenderUrl: `${url}/defender`,
    control,
    issuer: (tenantId) => entra.issuer(tenantId),
    jwksUri: (tenantId) => entra.jwksUri(tenantId),
    stop: () => listening.close(),
  };
}

function surfaceOf(root: string): ApiSurface {
  const lower = root.toLowerCase();
  return lower === 'graph/v1.0' ? 'graph-v1.0' : lower === 'graph/beta' ? 'graph-beta' : 'defender';
}

const invalidJson = Symbol('invalid JSON');

function parseJson(raw: string): unknown {
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return invalidJson;
  }
}

class BodyTooLargeError extends Error {
  constructor() {
    super(`Request bodies are limited to ${maxBodyBytes} bytes.`);
    this.name = 'BodyTooLargeError';
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) throw new BodyTooLargeError();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function flatHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function send(request: IncomingMessage, response: ServerResponse, result: SimResponse): void {
  const headers: Record<string, string> = { 'request-id': globalThis.crypto.randomUUID() };
  const clientRequestId = request.headers['client-request-id'];
  if (typeof clientRequestId === 'string') headers['client-request-id'] = clientRequestId;
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = value;
  let payload: Buffer | undefined;
  if (result.body !== undefined && result.status !== 204) {
    if (Buffer.isBuffer(result.body) || typeof result.body === 'string') {
      payload = Buffer.isBuffer(result.body) ? result.body : Buffer.from(result.body);
      headers['content-type'] ??= 'application/octet-stream';
    } else {
      payload = Buffer.from(JSON.stringify(result.body));
      headers['content-type'] ??=
        'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8';
    }
  }
  if (payload) headers['content-length'] = String(payload.length);
  response.writeHead(result.status, headers);
  response.end(payload);
}
