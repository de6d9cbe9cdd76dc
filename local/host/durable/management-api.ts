import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson, sendProblem } from '../http/responses';
import { type WebhookSettings, managementPayload } from './client-data';
import type { InstanceFilter, InstanceStatus, OrchestrationEngine } from './engine';
import { type RuntimeStatus, terminalStatuses } from './instance-store';

const runtimeStatuses: readonly RuntimeStatus[] = ['Pending', 'Running', 'Completed', 'Failed', 'Terminated'];
const unsupportedOperations = new Set(['rewind', 'suspend', 'resume', 'restart']);

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
    const [head, ...rest] = relativePath
      .split('/')
      .filter((s) => s.length > 0)
      .map((s) => decodeURIComponent(s));
    const [instanceId, operation, eventName] = rest;

    if (head === 'orchestrators' && method === 'POST' && rest.length >= 1 && rest.length <= 2) {
      await this.start(req, res, rest[0] as string, rest[1], origin);
    } else if (head === 'instances' && instanceId === undefined && method === 'GET') {
      sendJson(res, 200, this.engine.list(parseFilter(url)));
    } else if (head === 'instances' && instanceId === undefined && method === 'DELETE') {
      this.purgeWhere(res, url);
    } else if (
      head === 'instances' &&
      instanceId !== undefined &&
      operation === undefined &&
      method === 'GET'
    ) {
      this.status(res, url, instanceId);
    } else if (
      head === 'instances' &&
      instanceId !== undefined &&
      operation === undefined &&
      method === 'DELETE'
    ) {
      this.purge(res, url, instanceId);
    } else if (
      head === 'instances' &&
      instanceId !== undefined &&
      operation === 'raiseEvent' &&
      eventName !== undefined &&
      rest.length === 3 &&
      method === 'POST'
    ) {
      await this.raiseEvent(req, res, url, instanceId, eventName);
    } else if (
      head === 'instances' &&
      instanceId !== undefined &&
      operation === 'terminate' &&
      rest.length === 2 &&
      method === 'POST'
    ) {
      this.command(res, url, this.engine.terminate(instanceId, url.searchParams.get('reason') ?? ''));
    } else if (
      head === 'instances' &&
      operation !== undefined &&
      unsupportedOperations.has(operation) &&
      method === 'POST'
    ) {
      sendProblem(res, 501, `The local host does not support ${operation}.`, { instance: url.pathname });
    } else {
      sendProblem(res, 404, `No Durable Functions API at ${url.pathname}.`, { instance: url.pathname });
    }
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
        ? { historyEvents: this.engine.history(instanceId) }
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
