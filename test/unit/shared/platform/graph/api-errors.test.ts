import {
  DependencyRejectedError,
  DependencyUnavailableError,
  ThrottledError,
  UnauthorizedError,
} from '../../../../../shared/errors';
import {
  redactedPath,
  ResourceNotFoundError,
  toAppError,
} from '../../../../../shared/platform/graph/api-errors';

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

describe('errors name ids, never personal data', () => {
  const upn = 'alex.wilber@contoso.onmicrosoft.com';

  it('keeps route words and GUIDs of a path and hides every other segment', () => {
    expect(redactedPath(`/v1.0/users/${encodeURIComponent(upn)}`)).toBe('/v1.0/users/{value}');
    expect(redactedPath(`/v1.0/users/${upn}/assignLicense`)).toBe('/v1.0/users/{value}/assignLicense');
    expect(redactedPath('/v1.0/users/6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab/assignLicense')).toBe(
      '/v1.0/users/6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab/assignLicense',
    );
    expect(redactedPath('/v1.0/users/alexw')).toBe('/v1.0/users/{value}');
    expect(redactedPath('/v1.0/groups/6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab/members/$ref')).toBe(
      '/v1.0/groups/6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab/members/$ref',
    );
  });

  it.each([503, 404, 403, 400])('names no UPN in the error of a %s on a user', (status) => {
    const error = toAppError({
      dependency: 'graph',
      method: 'GET',
      path: `/v1.0/users/${encodeURIComponent(upn)}`,
      status,
      body: {
        error: {
          code: 'Request_ResourceNotFound',
          message: `Resource '${upn}' does not exist or one of its queried reference-property objects are not present.`,
        },
      },
    });
    expect(error.message).not.toContain('alex');
    expect(error.message).not.toContain(encodeURIComponent(upn));
    expect(error.message).toContain('/v1.0/users/{value}');
  });
});
