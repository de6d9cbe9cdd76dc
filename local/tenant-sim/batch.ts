/**
 * Graph JSON batching (`POST /$batch`): up to 20 requests with `id`, `method`, relative `url`, `headers`,
 * `body` and `dependsOn`. Independent requests run concurrently; a request runs once the ones it depends on
 * have answered, and gets 424 when one of them failed. Answers come back with `id` and `status`, in
 * completion order (Graph does not promise request order either).
 */
import { type SimResponse, graphError } from './contract';
import { type ApiRequest } from './gateway';

export const maxBatchRequests = 20;

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

interface BatchAnswer {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

export async function executeBatch(
  outer: ApiRequest,
  dispatch: (inner: ApiRequest) => Promise<SimResponse>,
): Promise<SimResponse> {
  let items: BatchItem[];
  try {
    items = parseBatch(outer.body);
  } catch (error) {
    return graphError(400, 'BadRequest', (error as Error).message);
  }
  const answers: BatchAnswer[] = [];
  const done = new Map<string, Promise<number>>();
  const run = async (item: BatchItem): Promise<number> => {
    const statuses = await Promise.all(item.dependsOn.map((id) => done.get(id) as Promise<number>));
    const answer = statuses.every(isSuccess)
      ? await answerFor(item, outer, dispatch)
      : toAnswer(
          item.id,
          graphError(
            424,
            'FailedDependency',
            'The request could not run because a request it depends on failed.',
          ),
        );
    answers.push(answer);
    return answer.status;
  };
  // Items are in dependency order (parseBatch checks it), so every dependency's promise exists already.
  for (const item of items) done.set(item.id, run(item));
  await Promise.all(done.values());
  return { status: 200, body: { responses: answers } };
}

async function answerFor(
  item: BatchItem,
  outer: ApiRequest,
  dispatch: (inner: ApiRequest) => Promise<SimResponse>,
): Promise<BatchAnswer> {
  if (item.body !== undefined && !item.headers['content-type']) {
    return toAnswer(
      item.id,
      graphError(400, 'BadRequest', 'Content-Type header must be specified when a body is present.'),
    );
  }
  const url = new URL(item.url.startsWith('/') ? item.url : `/${item.url}`, 'https://batch.invalid');
  const response = await dispatch({
    surface: outer.surface,
    method: item.method,
    path: url.pathname,
    query: url.searchParams,
    // The outer token authorises every inner request.
    headers: { ...item.headers, authorization: outer.headers.authorization ?? '' },
    body: item.body,
  });
  return toAnswer(item.id, response);
}

function toAnswer(id: string, response: SimResponse): BatchAnswer {
  const headers: Record<string, string> = { ...response.headers };
  const answer: BatchAnswer = { id, status: response.status, headers };
  if (response.body !== undefined) {
    if (Buffer.isBuffer(response.body)) {
      answer.body = response.body.toString('base64');
    } else {
      headers['content-type'] ??=
        'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8';
      answer.body = response.body;
    }
  }
  return answer;
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

const methods = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);

function parseBatch(body: unknown): BatchItem[] {
  const requests = (body as { requests?: unknown } | undefined)?.requests;
  if (!Array.isArray(requests)) throw new Error('Invalid batch payload format.');
  if (requests.length === 0)
    throw new Error('Invalid batch payload format. The batch must contain at least one request.');
  if (requests.length > maxBatchRequests) {
    throw new Error(
      `Invalid batch payload format. The number of requests in a batch must not exceed ${maxBatchRequests}.`,
    );
  }
  const seen = new Set<string>();
  return requests.map((raw: unknown) => {
    const entry = (raw ?? {}) as Record<string, unknown>;
    const id = entry.id;
    const method = typeof entry.method === 'string' ? entry.method.toUpperCase() : undefined;
    if (typeof id !== 'string' || id === '')
      throw new Error("Invalid batch payload format. Each request needs an 'id'.");
    if (seen.has(id))
      throw new Error(`Invalid batch payload format. Request id '${id}' is used more than once.`);
    if (!method || !methods.has(method))
      throw new Error(`Invalid batch payload format. Request '${id}' has an invalid method.`);
    if (typeof entry.url !== 'string' || /^[a-z]+:\/\//i.test(entry.url)) {
      throw new Error(`Invalid batch payload format. Request '${id}' needs a relative 'url'.`);
    }
    const dependsOn = entry.dependsOn === undefined ? [] : entry.dependsOn;
    if (
      !Array.isArray(dependsOn) ||
      !dependsOn.every((dep): dep is string => typeof dep === 'string' && seen.has(dep))
    ) {
      throw new Error(
        `Invalid batch payload format. Request '${id}' depends on a request that does not come before it.`,
      );
    }
    seen.add(id);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries((entry.headers ?? {}) as Record<string, unknown>))
      headers[name.toLowerCase()] = String(value);
    return { id, method, url: entry.url, headers, body: entry.body, dependsOn };
  });
}
