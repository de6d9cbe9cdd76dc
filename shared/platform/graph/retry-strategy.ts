import { type PipelineRequest, type RetryStrategy } from '@azure/core-rest-pipeline';
import { transientNetworkCodes } from '../transient-network';

export interface RetryTuning {
  /** First backoff step; each retry doubles it up to `maxDelayMs`, and half of each step is random jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * The longest `Retry-After` worth waiting for inside one call. A longer one ends the call with a ThrottledError
   * carrying the wait, so that an orchestration can sleep on a durable timer instead of holding a worker.
   */
  maxRetryAfterMs: number;
}

/** Reads the wait a throttling or unavailable answer asks for: `retry-after-ms`, then `Retry-After` seconds or date. */
export function retryAfterMs(
  headers: { get(name: string): string | undefined },
  now = Date.now(),
): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = Number(headers.get(name));
    if (headers.get(name) !== undefined && Number.isFinite(value) && value >= 0) return value;
  }
  const retryAfter = headers.get('retry-after');
  if (retryAfter === undefined) return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(retryAfter);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** Failures that prove nothing reached the service: the connection was never made. */
const unsentNetworkCodes = new Set(['ECONNREFUSED', 'EAI_AGAIN']);

/**
 * Whether sending a request twice is harmless when nothing else is known: HTTP's idempotent methods and Graph's
 * PATCH (it sets properties to the values sent) are; a POST creates or assigns and is not.
 */
export function repeatableByMethod(request: PipelineRequest): boolean {
  return request.method !== 'POST';
}

export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

export function backoffDelayMs(
  retryCount: number,
  tuning: RetryTuning,
  random: () => number = Math.random,
): number {
  const step = Math.min(tuning.maxDelayMs, tuning.baseDelayMs * 2 ** retryCount);
  return step / 2 + random() * (step / 2);
}

/**
 * One strategy for Graph and Defender, run by core-rest-pipeline's retry loop: honour the service's Retry-After
 * when it sends one, otherwise back off exponentially with jitter; retry throttling, 5xx and dropped connections,
 * never other 4xx. A request that is not `repeatable` is sent again only when the failure proves it was not
 * applied: a 429 (services throttle before they process) or a connection never made. After a 5xx or a dropped
 * connection it may have been applied, so the error goes to the caller, whose retry reads before it writes.
 */
export function transientRetryStrategy(
  tuning: RetryTuning,
  repeatable: (request: PipelineRequest) => boolean = repeatableByMethod,
  retries: (request: PipelineRequest) => boolean = () => true,
): RetryStrategy {
  return {
    name: 'transientRetryStrategy',
    retry({ retryCount, response, responseError }) {
      // The pipeline attaches the request to every answer and error; an error without one is judged as before.
      const request = response?.request ?? responseError?.request;
      // A caller that comes back on its own schedule (a durable timer) wants the failure now, not a sleep.
      if (request && !retries(request))
        return responseError && !response ? { errorToThrow: responseError } : { skipStrategy: true };
      const mayRepeat = request === undefined || repeatable(request);
      if (response && isTransientStatus(response.status)) {
        if (!mayRepeat && response.status !== 429) return { skipStrategy: true };
        const asked = retryAfterMs(response.headers);
        if (asked !== undefined && asked > tuning.maxRetryAfterMs) return { skipStrategy: true };
        return { retryAfterInMs: asked ?? backoffDelayMs(retryCount, tuning) };
      }
      const code = responseError?.code;
      if (!response && code && transientNetworkCodes.has(code)) {
        if (!mayRepeat && !unsentNetworkCodes.has(code)) return { errorToThrow: responseError };
        return { retryAfterInMs: backoffDelayMs(retryCount, tuning) };
      }
      if (responseError && !response) return { errorToThrow: responseError };
      return { skipStrategy: true };
    },
  };
}
