import {
  DependencyRejectedError,
  DependencyUnavailableError,
  ThrottledError,
  UnauthorizedError,
} from '../../../../../shared/errors';
import { ResourceNotFoundError, toAppError } from '../../../../../shared/platform/graph/api-errors';

const base = { dependency: 'graph', method: 'GET', path: '/v1.0/users/x' };

describe('toAppError', () => {
  it('keeps the wait of a throttled answer', () => {
    const error = toAppError({
      ...base,
      status: 429,
      body: { error: { code: 'TooManyRequests' } },
      retryAfterMs: 4000,
    });
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterMs).toBe(4000);
    expect(error.retryable).toBe(true);
  });

  it('treats 5xx as retryable unavailability', () => {
    const error = toAppError({ ...base, status: 503, body: undefined });
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error.retryable).toBe(true);
  });

  it('treats 404 as a not-found answer with the service code', () => {
    const error = toAppError({
      ...base,
      status: 404,
      body: { error: { code: 'Request_ResourceNotFound', message: 'gone' } },
    });
    expect(error).toBeInstanceOf(ResourceNotFoundError);
    expect((error as ResourceNotFoundError).dependencyCode).toBe('Request_ResourceNotFound');
    expect(error.message).toContain('gone');
  });

  it('treats other 4xx as permanent rejections', () => {
    const forbidden = toAppError({
      ...base,
      status: 403,
      body: { error: { code: 'Authorization_RequestDenied' } },
    });
    expect(forbidden).toBeInstanceOf(DependencyRejectedError);
    expect(forbidden.retryable).toBe(false);
    expect((forbidden as DependencyRejectedError).dependencyCode).toBe('Authorization_RequestDenied');
    expect(toAppError({ ...base, status: 401, body: undefined })).toBeInstanceOf(UnauthorizedError);
  });
});
