import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson, sendProblem } from '../http/responses';
import { type RouteTemplate, comparePrecedence, parseRouteTemplate } from '../http/route-template';
import { type WebhookSettings, managementPayload } from './client-data';
import type { InstanceCursor, InstanceFilter, InstanceStatus, OrchestrationEngine } from './engine';
import { historyView } from './history-view';
import { type RuntimeStatus, terminalStatuses } from './instance-store';

const runtimeStatuses: readonly RuntimeStatus[] = ['Pending', 'Running', 'Completed', 'Failed', 'Terminated'];
const continuationHeader = 'x-ms-continuation-token';
const unsupportedOperations = ['rewind', 'suspend', 'resume', 'restart'] as const;

interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly origin: string;
}

type RouteHandler = (context: RouteContext, params: Record<string, string>) => void | Promise<void>;

interface RouteSpec {
  readonly method: string;
  /** Relative to the API root, in the route-template syntax HTTP triggers use. */
  readonly template: string;
  readonly handler: RouteHandler;
}

interface Route {
  readonly method: string;
  readonly template: RouteTemplate;
  readonly handler: RouteHandler;
}

/** Parses the templates once and orders the table so literal segments win over parameters. */
function table(specs: readonly RouteSpec[]): Route[] {
  return specs
    .map((spec) => ({ ...spec, template: parseRouteTemplate(spec.template) }))
    .sort((a, b) => comparePrecedence(a.template, b.template));
}

class BadRequest extends Error {
  override readonly name = 'BadRequest';
}

function parseTime(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  const at = Date.parse(raw);
  if (Number.isNaN(at)) throw new BadRequest(`${name} is not a date: ${raw}`);
  return at;
}

function parseFilter(url: URL): InstanceFilter {
  const statuses = (url.searchParams.get('runtimeStatus') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const unknown = statuses.filter((s) => !runtimeStatuses.includes(s as RuntimeStatus));
  if (unknown.length > 0) throw new BadRequest(`Unknown runtimeStatus: ${unknown.join(', ')}`);
  return {
    createdTimeFrom: parseTime(url, 'createdTimeFrom'),
    createdTimeTo: parseTime(url, 'createdTimeTo'),
    runtimeStatus: statuses as RuntimeStatus[],
    instanceIdPrefix: url.searchParams.get('instanceIdPrefix') ?? undefined,
  };
}

/** `top`: a positive integer page size, or absent for everything. */
function parseTop(url: URL): number | undefined {
  const raw = url.searchParams.get('top');
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new BadRequest(`top must be a positive integer: ${raw}`);
  return Number(raw);
}

/** The continuation token is opaque to clients: base64url JSON of where the page ended. */
function continuationToken(cursor: InstanceCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdTime, cursor.instanceId])).toString('base64url');
}

function parseContinuationToken(token: string): InstanceCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'number' ||
    typeof parsed[1] !== 'string'
  )
    throw new BadRequest(`Invalid ${continuationHeader}.`);
  return { createdTime: parsed[0], instanceId: parsed[1] };
}

function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new BadRequest('Invalid JSON content.');
  }
}

/**
 * The Durable extension's HTTP API, served twice: under `/runtime/webhooks/durabletask/` (public, system key
 * required, the documented HTTP API) and on the loopback RPC listener the durable client binding talks to.
 * Status codes follow the extension's HttpApiHandler: start 202/400/409, status 200/202/404,
 * raiseEvent and terminate 202/404/410, purge 200/404/412.
 */
export class DurableManagementApi {
  /** The extension's routes (HttpApiHandler's templates), most specific first; unknown method or path is 404. */
  private readonly routes: readonly Route[] = table([
    {
      method: 'POST',
      template: 'orchestrators/{functionName}/{instanceId?}',
      handler: (c, p) => this.start(c.req, c.res, p.functionName as string, p.instanceId, c.origin),
    },
    { method: 'GET', template: 'instances', handler: (c) => this.list(c.req, c.res, c.url) },
    { method: 'DELETE', template: 'instances', handler: (c) => this.purgeWhere(c.res, c.url) },
    {
      method: 'GET',
      template: 'instances/{instanceId}',
      handler: (c, p) => this.status(c.res, c.url, p.instanceId as string),
    },
    {
      method: 'DELETE',
      template: 'instances/{instanceId}',
      handler: (c, p) => this.purge(c.res, c.url, p.instanceId as string),
    },
    {
      method: 'POST',
      template: 'instances/{instanceId}/raiseEvent/{eventName}',
      handler: (c, p) => this.raiseEvent(c.req, c.res, c.url, p.instanceId as string, p.eventName as string),
    },
    {
      method: 'POST',
      template: 'instances/{instanceId}/terminate',
      handler: (c, p) =>
        this.command(
          c.res,
          c.url,
          this.engine.terminate(p.instanceId as string, c.url.searchParams.get('reason') ?? ''),
        ),
    },
    ...unsupportedOperations.map(
      (operation): RouteSpec => ({
        method: 'POST',
        template: `instances/{instanceId}/${operation}`,
        handler: (c) =>
          sendProblem(c.res, 501, `The local host does not support ${operation}.`, {
            instance: c.url.pathname,
          }),
      }),
    ),
  ]);

  constructor(
    private readonly engine: OrchestrationEngine,
    private readonly webhook: (origin: string) => WebhookSettings,
  ) {}

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    relativePath: string,
    origin: string,
  ): Promise<void> {
    try {
      await this.route(req, res, url, relativePath, origin);
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      sendProblem(res, 400, error.message, { instance: url.pathname });
    }
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    relativePath: string,
    origin: string,
  ): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = `/${relativePath.replace(/^\/+/, '')}`;
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const params = route.template.match(path);
      if (params) return route.handler({ req, res, url, origin }, params);
    }
    sendProblem(res, 404, `No Durable Functions API at ${url.pathname}.`, { instance: url.pathname });
  }

  private async start(
    req: IncomingMessage,
    res: ServerResponse,
    functionName: string,
    requestedId: string | undefined,
    origin: string,
  ): Promise<void> {
    const input = parseJsonBody(await readBody(req));
    const result = this.engine.start(functionName, requestedId, input);
    if (result.outcome === 'unknownOrchestrator') {
      throw new BadRequest(
        `The function '${functionName}' doesn't exist, is disabled, or is not an orchestrator function.`,
      );
    }
    if (result.outcome === 'conflict') {
      sendProblem(
        res,
        409,
        `An Orchestration instance with the status ${result.runtimeStatus} already exists (instance ID '${result.instanceId}').`,
      );
      return;
    }
    const payload = managementPayload(this.webhook(origin), result.instanceId);
    sendJson(res, 202, payload, { location: payload.statusQueryGetUri, 'retry-after': '10' });
  }

  /** Query: the filters, `top` as the page size, and the continuation token in and out of a header. */
  private list(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const header = req.headers[continuationHeader];
    const presented = Array.isArray(header) ? header[0] : header;
    const page = this.engine.query(parseFilter(url), {
      top: parseTop(url),
      after: presented ? parseContinuationToken(presented) : undefined,
    });
    const hideInput = url.searchParams.get('showInput') === 'false';
    const body = hideInput ? page.instances.map((s) => ({ ...s, input: null })) : page.instances;
    sendJson(res, 200, body, page.next ? { [continuationHeader]: continuationToken(page.next) } : {});
  }

  private status(res: ServerResponse, url: URL, instanceId: string): void {
    const status = this.engine.status(instanceId);
    if (!status) {
      sendProblem(res, 404, `No instance with ID '${instanceId}' found.`, { instance: url.pathname });
      return;
    }
    const body: InstanceStatus = {
      ...status,
      ...(url.searchParams.get('showInput') === 'false' ? { input: null } : {}),
      ...(url.searchParams.get('showHistory') === 'true'
        ? {
            // As in the extension, a Pending instance has no history yet.
            historyEvents:
              status.runtimeStatus === 'Pending'
                ? null
                : historyView(
                    this.engine.events(instanceId) ?? [],
                    url.searchParams.get('showHistoryOutput') === 'true',
                  ),
          }
        : {}),
    };
    if (!terminalStatuses.has(status.runtimeStatus)) {
      sendJson(res, 202, body, { location: url.href, 'retry-after': '5' });
    } else {
      const failedAsError =
        status.runtimeStatus === 'Failed' &&
        url.searchParams.get('returnInternalServerErrorOnFailure') === 'true';
      sendJson(res, failedAsError ? 500 : 200, body);
    }
  }

  private async raiseEvent(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    instanceId: string,
    eventName: string,
  ): Promise<void> {
    const status = this.engine.status(instanceId);
    if (!status) {
      sendProblem(res, 404, `No instance with ID '${instanceId}' found.`, { instance: url.pathname });
      return;
    }
    if (terminalStatuses.has(status.runtimeStatus)) {
      sendProblem(res, 410, `Instance '${instanceId}' is ${status.runtimeStatus}.`, {
        instance: url.pathname,
      });
      return;
    }
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (mediaType !== 'application/json')
      throw new BadRequest('Only application/json request content is supported.');
    const body = await readBody(req);
    const value = parseJsonBody(body);
    this.command(
      res,
      url,
      this.engine.raiseEvent(instanceId, eventName, value === undefined ? null : JSON.stringify(value)),
    );
  }

  private purge(res: ServerResponse, url: URL, instanceId: string): void {
    const result = this.engine.purge(instanceId);
    if (result === 'notFound')
      sendProblem(res, 404, `No instance with ID '${instanceId}' found.`, { instance: url.pathname });
    else if (result === 'notTerminal')
      sendProblem(
        res,
        412,
        `Only orchestrations in a terminal state can be purged; '${instanceId}' is still active.`,
      );
    else sendJson(res, 200, { instancesDeleted: 1 });
  }

  private purgeWhere(res: ServerResponse, url: URL): void {
    const filter = parseFilter(url);
    if (filter.createdTimeFrom === undefined)
      throw new BadRequest("Please provide value for 'createdTimeFrom' parameter.");
    const deleted = this.engine.purgeWhere(filter);
    if (deleted === 0) sendProblem(res, 404, 'No instance matched the filter.', { instance: url.pathname });
    else sendJson(res, 200, { instancesDeleted: deleted });
  }

  private command(res: ServerResponse, url: URL, result: 'accepted' | 'notFound' | 'gone'): void {
    if (result === 'notFound') sendProblem(res, 404, 'No such instance.', { instance: url.pathname });
    else if (result === 'gone')
      sendProblem(res, 410, 'The instance already finished.', { instance: url.pathname });
    else {
      res.writeHead(202);
      res.end();
    }
  }
}
