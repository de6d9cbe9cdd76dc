import { type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { AppError, ForbiddenError, InvalidTokenError, ThrottledError, ValidationError } from '../errors';

/** RFC 7807 problem details, as every HTTP endpoint of the app answers errors. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  errors?: { field: string; message: string }[];
  invocationId?: string;
  /** Extension members (RFC 7807 section 3.2), e.g. the role a refused request lacked. */
  [extension: string]: unknown;
}

/** What a caller is told to wait after a dependency outage, when nothing better is known. */
const defaultRetryAfterSeconds = 30;

const problemTypeBase = 'https://managed-desktop-security/problems/';

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function problem(
  status: number,
  code: string,
  detail?: string,
  extra: Partial<ProblemDetails> = {},
): HttpResponseInit {
  const body: ProblemDetails = {
    type: `${problemTypeBase}${code}`,
    title: titles[status] ?? 'Error',
    status,
    code,
    ...(detail === undefined ? {} : { detail }),
    ...extra,
  };
  return { status, jsonBody: body, headers: { 'content-type': 'application/problem+json' } };
}

/**
 * Maps anything thrown by a handler to problem details. Unknown errors become a 500 whose detail is generic:
 * their messages may carry internals, so they go to the log with the invocation id, not to the caller.
 */
export function toProblemResponse(
  error: unknown,
  request: HttpRequest,
  context: InvocationContext,
): HttpResponseInit {
  const instance = new URL(request.url).pathname;
  if (error instanceof AppError) {
    const response = problem(error.status, error.code, error.message, {
      ...(error instanceof ForbiddenError ? error.extensions : {}),
      instance,
      ...(error instanceof ValidationError && error.problems.length > 0 ? { errors: error.problems } : {}),
    });
    const headers = response.headers as Record<string, string>;
    // RFC 6750 section 3: a refused bearer token is answered with a challenge naming the error.
    if (error instanceof InvalidTokenError) headers['www-authenticate'] = bearerChallenge(error.message);
    if (error instanceof ForbiddenError) Object.assign(headers, error.headers);
    const retryAfterSeconds =
      error instanceof ThrottledError && error.retryAfterMs !== undefined
        ? Math.ceil(error.retryAfterMs / 1000)
        : error.retryable && error.status === 503
          ? defaultRetryAfterSeconds
          : undefined;
    if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
    if (error.status >= 500) context.error(`${error.name}: ${error.message}`);
    return response;
  }
  context.error('Unhandled error', error);
  return problem(
    500,
    'internal_error',
    'The request failed unexpectedly; the invocation id identifies it in our logs.',
    {
      instance,
      invocationId: context.invocationId,
    },
  );
}

/** `Bearer error="invalid_token"`; the description keeps to the characters RFC 6750 allows in a quoted value. */
function bearerChallenge(description: string): string {
  const safe = description.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, ' ');
  return `Bearer error="invalid_token", error_description="${safe}"`;
}
