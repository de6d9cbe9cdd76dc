import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RegisteredFunction } from '../app-loader';
import { type HostKeys, isOneOf } from '../keys';
import { presentedKey, readBody, sendProblem } from './responses';

export class NotInvocableError extends Error {
  override readonly name = 'NotInvocableError';
}

/** Why a function cannot be invoked directly (admin API, `handle.invoke`), or undefined when it can. */
export function directInvocationBlocker(fn: RegisteredFunction): string | undefined {
  const type = fn.trigger.type.toLowerCase();
  if (type === 'httptrigger') return `"${fn.name}" is an HTTP function; call its route instead.`;
  if (type === 'orchestrationtrigger') {
    return 'Durable orchestrator functions do not support direct invocation. Start an orchestration from a client function by using a Durable client.';
  }
  return undefined;
}

/** The body is `{"input": "<string>"}`; the string reaches the trigger as the real host passes it. */
function parseAdminInput(body: Buffer): string | undefined | Error {
  if (body.length === 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return new Error('The body must be JSON like {"input": "..."}.');
  }
  const input =
    typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).input : undefined;
  if (input !== undefined && typeof input !== 'string') return new Error('"input" must be a string.');
  return input;
}

/**
 * `POST /admin/functions/{name}` with `{"input": "..."}`: runs any non-HTTP function in the background, as
 * the real host's admin endpoint does. Master key only; answers 202 before the function runs.
 */
export class AdminApi {
  constructor(
    private readonly functions: ReadonlyMap<string, RegisteredFunction>,
    private readonly keys: HostKeys,
    private readonly startInvocation: (fn: RegisteredFunction, input: string | undefined) => void,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const match = /^\/admin\/functions\/([^/]+)\/?$/.exec(url.pathname);
    if (!match?.[1]) {
      sendProblem(res, 404, `No admin API at ${url.pathname}.`, { instance: url.pathname });
      return;
    }
    if (!isOneOf(presentedKey(req, url), [this.keys.masterKey])) {
      sendProblem(
        res,
        401,
        'The admin API requires the master key (x-functions-key header or code query parameter).',
        { instance: url.pathname },
      );
      return;
    }
    if ((req.method ?? '').toUpperCase() !== 'POST') {
      sendProblem(res, 405, 'Use POST to invoke a function.', {
        instance: url.pathname,
        headers: { allow: 'POST' },
      });
      return;
    }
    const name = decodeURIComponent(match[1]);
    const fn = this.functions.get(name);
    if (!fn) {
      sendProblem(res, 404, `No function named "${name}".`, { instance: url.pathname });
      return;
    }
    const blocker = directInvocationBlocker(fn);
    if (blocker) {
      sendProblem(res, 400, blocker, { instance: url.pathname });
      return;
    }
    const input = parseAdminInput(await readBody(req));
    if (input instanceof Error) {
      sendProblem(res, 400, input.message, { instance: url.pathname });
      return;
    }
    this.startInvocation(fn, input);
    res.writeHead(202);
    res.end();
  }
}
