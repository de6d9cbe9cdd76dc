import {
  createHttpHeaders,
  createPipelineRequest,
  RestError,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';
import {
  backoffDelayMs,
  retryAfterMs,
  transientRetryStrategy,
} from '../../../../../shared/platform/graph/retry-strategy';

const tuning = { baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 30_000 };

function response(status: number, headers: Record<string, string> = {}): PipelineResponse {
  return {
    status,
    headers: createHttpHeaders(headers),
    request: createPipelineRequest({ url: 'https://g/x' }),
  };
}

describe('retryAfterMs', () => {
  it('reads seconds, milliseconds and HTTP dates', () => {
    expect(retryAfterMs(createHttpHeaders({ 'retry-after': '7' }))).toBe(7000);
    expect(retryAfterMs(createHttpHeaders({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(createHttpHeaders({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(
      5000,
    );
    expect(retryAfterMs(createHttpHeaders({}))).toBeUndefined();
  });
});

describe('transientRetryStrategy', () => {
  const strategy = transientRetryStrategy(tuning);

  it('waits what a 429 asks for', () => {
    expect(strategy.retry({ retryCount: 0, response: response(429, { 'retry-after': '2' }) })).toEqual({
      retryAfterInMs: 2000,
    });
  });

  it('backs off with jitter when a 429 or 503 names no wait', () => {
    const { retryAfterInMs } = strategy.retry({ retryCount: 2, response: response(503) });
    expect(retryAfterInMs).toBeGreaterThanOrEqual(200);
    expect(retryAfterInMs).toBeLessThanOrEqual(400);
  });

  it('leaves a wait longer than the cap to the caller', () => {
    expect(strategy.retry({ retryCount: 0, response: response(429, { 'retry-after': '600' }) })).toEqual({
      skipStrategy: true,
    });
  });

  it('does not retry other client errors', () => {
    expect(strategy.retry({ retryCount: 0, response: response(400) })).toEqual({ skipStrategy: true });
    expect(strategy.retry({ retryCount: 0, response: response(404) })).toEqual({ skipStrategy: true });
  });

  it('retries dropped connections and rethrows other errors', () => {
    const reset = new RestError('socket hang up', { code: 'ECONNRESET' });
    expect(strategy.retry({ retryCount: 0, responseError: reset }).retryAfterInMs).toBeGreaterThan(0);
    const other = new RestError('bad cert', { code: 'CERT_HAS_EXPIRED' });
    expect(strategy.retry({ retryCount: 0, responseError: other })).toEqual({ errorToThrow: other });
  });
});

describe('backoffDelayMs', () => {
  it('doubles per attempt, caps, and keeps half of each step as jitter', () => {
    expect(backoffDelayMs(0, tuning, () => 0)).toBe(50);
    expect(backoffDelayMs(0, tuning, () => 1)).toBe(100);
    expect(backoffDelayMs(3, tuning, () => 1)).toBe(800);
    expect(backoffDelayMs(10, tuning, () => 1)).toBe(1000);
  });
});

describe('transientRetryStrategy and writes', () => {
  const strategy = transientRetryStrategy(tuning);
  const post = (status: number, headers: Record<string, string> = {}): PipelineResponse => ({
    status,
    headers: createHttpHeaders(headers),
    request: createPipelineRequest({ url: 'https://g/x', method: 'POST' }),
  });

  it('never resends a POST whose failure may mean it was applied', () => {
    expect(strategy.retry({ retryCount: 0, response: post(503) })).toEqual({ skipStrategy: true });
    expect(strategy.retry({ retryCount: 0, response: post(504) })).toEqual({ skipStrategy: true });
    const reset = new RestError('socket hang up', {
      code: 'ECONNRESET',
      request: createPipelineRequest({ url: 'https://g/x', method: 'POST' }),
    });
    expect(strategy.retry({ retryCount: 0, responseError: reset })).toEqual({ errorToThrow: reset });
  });

  it('resends a POST that was throttled or never sent', () => {
    expect(strategy.retry({ retryCount: 0, response: post(429, { 'retry-after': '1' }) })).toEqual({
      retryAfterInMs: 1000,
    });
    const refused = new RestError('connect ECONNREFUSED', {
      code: 'ECONNREFUSED',
      request: createPipelineRequest({ url: 'https://g/x', method: 'POST' }),
    });
    expect(strategy.retry({ retryCount: 0, responseError: refused }).retryAfterInMs).toBeGreaterThan(0);
  });

  it('resends a POST its caller declared repeatable', () => {
    const repeatable = transientRetryStrategy(tuning, () => true);
    expect(repeatable.retry({ retryCount: 0, response: post(503) }).retryAfterInMs).toBeGreaterThan(0);
  });
});
