import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RegisteredFunction } from '../app-loader';
import type { RpcHttpCookie, RpcHttpData, RpcInvocationResponse } from '../functions-core';
import { FunctionInvocationError, type Invoker } from '../invoker';
import { type HostKeys, isOneOf } from '../keys';
import { type RouteTemplate, comparePrecedence, parseRouteTemplate } from './route-template';
import { presentedKey, readBody, sendEmpty, sendProblem } from './responses';

export type AuthLevel = 'anonymous' | 'function' | 'admin';

export interface HttpRoute {
  readonly functionName: string;
  readonly route: string;
  readonly methods: readonly string[];
  readonly authLevel: AuthLevel;
}

interface CompiledRoute extends HttpRoute {
  readonly fn: RegisteredFunction;
  readonly template: RouteTemplate;
}

function stringOption(fn: RegisteredFunction, key: string): string | undefined {
  const value = fn.trigger[key];
  return typeof value === 'string' ? value : undefined;
}

function compile(fn: RegisteredFunction, routePrefix: string): CompiledRoute {
  // Without a route the real host serves the function under its own name.
  const route = (stringOption(fn, 'route') ?? fn.name).replace(/^\/+|\/+$/g, '');
  const methodsOption = fn.trigger.methods;
  const methods = Array.isArray(methodsOption)
    ? methodsOption.map((m) => String(m).toUpperCase())
    : ['GET', 'POST'];
  const level = (stringOption(fn, 'authLevel') ?? 'anonymous').toLowerCase();
  if (level !== 'anonymous' && level !== 'function' && level !== 'admin') {
    throw new Error(`Function "${fn.name}" has an unknown authLevel "${level}".`);
  }
  const fullRoute = routePrefix ? `${routePrefix}/${route}` : route;
  return {
    fn,
    functionName: fn.name,
    route: fullRoute,
    methods,
    authLevel: level,
    template: parseRouteTemplate(fullRoute),
  };
}

/** Joins repeated request headers the way the host hands them to the worker (one string per name). */
function headerRecord(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] ?? '').toLowerCase();
    const value = req.rawHeaders[i + 1] ?? '';
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}

// 'none' means the app did not set SameSite; 'explicitNone' is SameSite=None.
const sameSiteNames: Record<NonNullable<RpcHttpCookie['sameSite']>, string | undefined> = {
  none: undefined,
  lax: 'Lax',
  strict: 'Strict',
  explicitNone: 'None',
};

function setCookieHeader(cookie: RpcHttpCookie): string {
  const parts = [`${cookie.name ?? ''}=${cookie.value ?? ''}`];
  if (cookie.domain?.value) parts.push(`Domain=${cookie.domain.value}`);
  if (cookie.path?.value) parts.push(`Path=${cookie.path.value}`);
  const expires = cookie.expires?.value?.seconds;
  if (typeof expires === 'number') parts.push(`Expires=${new Date(expires * 1000).toUTCString()}`);
  if (typeof cookie.maxAge?.value === 'number') parts.push(`Max-Age=${cookie.maxAge.value}`);
  if (cookie.secure?.value) parts.push('Secure');
  if (cookie.httpOnly?.value) parts.push('HttpOnly');
  const sameSite = sameSiteNames[cookie.sameSite ?? 'none'];
  if (sameSite) parts.push(`SameSite=${sameSite}`);
  return parts.join('; ');
}

function httpOutput(response: RpcInvocationResponse): RpcHttpData | undefined {
  return (
    response.returnValue?.http ?? response.outputData?.find((o) => o.data?.http)?.data?.http ?? undefined
  );
}

/**
 * Serves HTTP-triggered functions under `/{routePrefix}/{route}`: route matching with precedence, method
 * checks (405 with Allow), key checks for function/admin auth levels (401), and conversion between the wire
 * request/response and the worker's `RpcHttpData`, so the library builds `HttpRequest` and reads `HttpResponse`.
 */
export class HttpFunctionRouter {
  private readonly compiled: CompiledRoute[];

  constructor(
    functions: Iterable<RegisteredFunction>,
    routePrefix: string,
    private readonly keys: HostKeys,
    private readonly invoker: Invoker,
  ) {
    this.compiled = [...functions]
      .filter((fn) => fn.trigger.type.toLowerCase() === 'httptrigger')
      .map((fn) => compile(fn, routePrefix))
      .sort((a, b) => comparePrecedence(a.template, b.template));
  }

  get routes(): readonly HttpRoute[] {
    return this.compiled.map(({ functionName, route, methods, authLevel }) => ({
      functionName,
      route,
      methods,
      authLevel,
    }));
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const matches = this.compiled.flatMap((route) => {
      const params = route.template.match(url.pathname);
      return params ? [{ route, params }] : [];
    });
    if (matches.length === 0) {
      sendProblem(res, 404, `No function serves ${url.pathname}.`, { instance: url.pathname });
      return;
    }
    const match = matches.find((m) => m.route.methods.includes(method));
    if (!match) {
      const allowed = [...new Set(matches.flatMap((m) => m.route.methods))];
      sendProblem(res, 405, `${method} is not allowed on ${url.pathname}; allowed: ${allowed.join(', ')}.`, {
        instance: url.pathname,
        headers: { allow: allowed.join(', ') },
      });
      return;
    }
    const { route, params } = match;
    if (route.authLevel !== 'anonymous') {
      const accepted =
        route.authLevel === 'admin' ? [this.keys.masterKey] : [this.keys.functionKey, this.keys.masterKey];
      if (!isOneOf(presentedKey(req, url), accepted)) {
        sendProblem(
          res,
          401,
          `${route.authLevel} level: send a valid key in the x-functions-key header or the code query parameter.`,
          {
            instance: url.pathname,
          },
        );
        return;
      }
    }
    const body = await readBody(req);
    const headers = headerRecord(req);
    const request: RpcHttpData = {
      method,
      url: `http://${headers.host ?? 'localhost'}${req.url ?? '/'}`,
      headers,
      params,
      body: body.length > 0 ? { bytes: body } : undefined,
    };
    let output: RpcHttpData | undefined;
    try {
      const result = await this.invoker.invoke(route.fn, {
        triggerData: { http: request },
        reason: `HTTP ${method} ${url.pathname}`,
      });
      output = httpOutput(result.response);
    } catch (error) {
      const invocation =
        error instanceof FunctionInvocationError ? ` (invocation ${error.invocationId})` : '';
      sendProblem(res, 500, `The function failed${invocation}; see the host log.`, {
        instance: url.pathname,
      });
      return;
    }
    this.writeOutput(res, output);
  }

  private writeOutput(res: ServerResponse, output: RpcHttpData | undefined): void {
    if (!output) {
      sendEmpty(res, 204);
      return;
    }
    const headers: Record<string, string | string[]> = { ...output.headers };
    const cookies = (output.cookies ?? []).map(setCookieHeader);
    if (cookies.length > 0) headers['set-cookie'] = cookies;
    const body =
      output.body?.bytes ??
      (typeof output.body?.string === 'string' ? Buffer.from(output.body.string) : undefined);
    res.writeHead(Number(output.statusCode ?? '200') || 200, headers);
    res.end(body ? Buffer.from(body) : undefined);
  }
}
