import { type ApiClient } from './api-client';
import { isTransientStatus, retryAfterMs, type RetryTuning, backoffDelayMs } from './retry-strategy';

/** One request inside a Graph JSON batch; `url` is relative to the version root, e.g. `/users/{id}`. */
export interface BatchRequest {
  id: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface BatchResponse {
  id: string;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface BatchEnvelope {
  responses: BatchResponse[];
}

/** Graph refuses a batch of more than 20 requests. */
export const maxBatchSize = 20;

export interface BatchOptions {
  version: 'v1.0' | 'beta';
  tuning: RetryTuning;
  maxRetries: number;
  /** `false`: the batch request itself is not retried inside the call either (see RequestOptions.retries). */
  retries?: boolean;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Sends any number of independent requests as Graph batches of at most 20. Graph throttles each inner request on its
 * own, so inner 429/5xx answers are sent again (after the longest inner Retry-After, or a jittered backoff) while the
 * others keep their answers. Returns one answer per request, in request order; failures are answers, not throws,
 * because each request's caller decides what its failure means.
 */
export async function sendBatch(
  client: ApiClient,
  requests: BatchRequest[],
  options: BatchOptions,
): Promise<BatchResponse[]> {
  const ids = new Set(requests.map((r) => r.id));
  if (ids.size !== requests.length) throw new RangeError('batch request ids must be unique');
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const answers = new Map<string, BatchResponse>();
  let pending = requests;
  for (let attempt = 0; pending.length > 0; attempt++) {
    for (const chunk of chunks(pending, maxBatchSize)) {
      // After a 5xx a batch of reads may be sent again whole; one carrying writes may have been applied in part.
      const { body } = await client.post<BatchEnvelope>(
        `/${options.version}/$batch`,
        { requests: chunk },
        {
          repeatable: chunk.every((r) => r.method === 'GET'),
          ...(options.retries === false ? { retries: false } : {}),
        },
      );
      for (const response of body.responses) answers.set(response.id, response);
    }
    // Inner answers follow the client's rule: a throttled request was not applied; a failed read may be repeated;
    // a write that failed otherwise may have been applied, so its failure goes back to the caller.
    const retry = pending.filter((r) => {
      const status = answers.get(r.id)?.status ?? 503;
      return status === 429 || (r.method === 'GET' && isTransientStatus(status));
    });
    if (retry.length === 0 || attempt >= options.maxRetries) break;
    await sleep(
      waitBeforeRetry(
        retry.map((r) => answers.get(r.id)),
        attempt,
        options.tuning,
      ),
    );
    pending = retry;
  }
  return requests.map(
    (r) => answers.get(r.id) ?? { id: r.id, status: 503, body: { error: { code: 'missingBatchResponse' } } },
  );
}

function waitBeforeRetry(
  responses: (BatchResponse | undefined)[],
  attempt: number,
  tuning: RetryTuning,
): number {
  const asked = responses
    .map((r) => retryAfterMs({ get: (name) => lowerCaseKeys(r?.headers)[name] }))
    .filter((ms): ms is number => ms !== undefined);
  const longest = asked.length > 0 ? Math.max(...asked) : backoffDelayMs(attempt, tuning);
  return Math.min(longest, tuning.maxRetryAfterMs);
}

function lowerCaseKeys(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
}

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
