import { type RetryStrategy } from '@azure/core-rest-pipeline';

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

const transientNetworkCodes = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EAI_AGAIN',
]);

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
 * never other 4xx. Retried writes are safe because every caller's writes are idempotent or checked first.
 */
export function transientRetryStrategy(tuning: RetryTuning): RetryStrategy {
  return {
    name: 'transientRetryStrategy',
    retry({ retryCount, response, responseError }) {
      if (response && isTransientStatus(response.status)) {
        const asked = retryAfterMs(response.headers);
        if (asked !== undefined && asked > tuning.maxRetryAfterMs) return { skipStrategy: true };
        return { retryAfterInMs: asked ?? backoffDelayMs(retryCount, tuning) };
      }
      if (!response && responseError?.code && transientNetworkCodes.has(responseError.code)) {
        return { retryAfterInMs: backoffDelayMs(retryCount, tuning) };
      }
      if (responseError && !response) return { errorToThrow: responseError };
      return { skipStrategy: true };
    },
  };
}
