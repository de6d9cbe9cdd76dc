import { ErrorResponse, TimeoutError } from '@azure/cosmos';
import {
  AppError,
  ConflictError,
  DependencyRejectedError,
  DependencyUnavailableError,
  NotFoundError,
  PreconditionFailedError,
  ThrottledError,
} from '../../../../../shared/errors';
import { cosmosCall, translateCosmosError } from '../../../../../shared/platform/cosmos/errors';

function sdkError(code: number | string, extra: Partial<ErrorResponse> = {}): ErrorResponse {
  return Object.assign(new ErrorResponse(`Cosmos said ${code}`), { code, ...extra });
}

describe('translateCosmosError', () => {
  it.each([
    [404, NotFoundError, false],
    [409, ConflictError, false],
    [412, PreconditionFailedError, true],
    [429, ThrottledError, true],
    [408, DependencyUnavailableError, true],
    [500, DependencyUnavailableError, true],
    [503, DependencyUnavailableError, true],
  ])('maps status %i to %p (retryable: %p)', (status, type, retryable) => {
    const translated = translateCosmosError(sdkError(status), 'read device SN1');
    expect(translated).toBeInstanceOf(type);
    expect(translated instanceof AppError && translated.retryable).toBe(retryable);
    expect((translated as Error).message).toContain('read device SN1');
    expect((translated as Error).cause).toBeInstanceOf(ErrorResponse);
  });

  it('keeps the retry delay Cosmos asked for on 429', () => {
    const translated = translateCosmosError(sdkError(429, { retryAfterInMs: 1200 }), 'upsert device');
    expect(translated).toMatchObject({ retryAfterMs: 1200, status: 429 });
  });

  it('treats other 4xx as a rejection that retrying will not cure', () => {
    const translated = translateCosmosError(sdkError(400), 'query devices');
    expect(translated).toBeInstanceOf(DependencyRejectedError);
    expect(translated).toMatchObject({ dependency: 'cosmos', dependencyStatus: 400, retryable: false });
  });

  it('treats SDK timeouts and dropped connections as unavailability', () => {
    expect(translateCosmosError(new TimeoutError('timed out'), 'read')).toBeInstanceOf(
      DependencyUnavailableError,
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8081'), { code: 'ECONNREFUSED' });
    expect(translateCosmosError(refused, 'read')).toMatchObject({ dependency: 'cosmos', retryable: true });
  });

  it('returns bugs and already translated errors unchanged', () => {
    const bug = new TypeError('cannot read properties of undefined');
    expect(translateCosmosError(bug, 'read')).toBe(bug);
    const appError = new NotFoundError('device');
    expect(translateCosmosError(appError, 'read')).toBe(appError);
  });
});

describe('cosmosCall', () => {
  it('passes results through and rethrows failures translated', async () => {
    await expect(cosmosCall('read', () => Promise.resolve(7))).resolves.toBe(7);
    await expect(cosmosCall('read', () => Promise.reject(sdkError(412)))).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
  });
});
