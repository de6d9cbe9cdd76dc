import {
  type HttpHandler,
  type HttpRequest,
  type HttpResponseInit,
  type InvocationContext,
} from '@azure/functions';
import { invocationLog } from '../logging';
import {
  AppError,
  ConfigError,
  ConflictError,
  ForbiddenError,
  InvalidTokenError,
  ThrottledError,
  ValidationError,
} from '../errors';

/** RFC 7807 problem details, as every HTTP endpoint of the app answers errors. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  errors?: { field: string; message: string }[];
  /** How many field problems there were, when `errors` lists only the first `maxListedErrors`. */
  errorCount?: number;
  invocationId?: string;
  /** Extension members (RFC 7807 section 3.2), e.g. the role a refused request lacked. */
  [extension: string]: unknown;
}

/** A 400 lists at most this many field problems (and counts the rest): 10,000 bad devices are not 3 MB of answer. */
export const maxListedErrors = 50;

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
  if (error instanceof ConfigError) {
    // Bad settings are ours to fix and their names are internals: the log gets them, the caller a plain 503.
    invocationLog(context).error(`${error.name}: ${error.message}`);
    const response = problem(503, 'service_unavailable', 'The service is unavailable; try again later.', {
      instance,
    });
    response.headers = {
      ...(response.headers as Record<string, string>),
      'retry-after': String(defaultRetryAfterSeconds),
    };
    return response;
  }
  if (error instanceof AppError) {
    const listed =
      error instanceof ValidationError && error.problems.length > 0
        ? {
            errors: error.problems.slice(0, maxListedErrors),
            ...(error.problems.length > maxListedErrors ? { errorCount: error.problems.length } : {}),
          }
        : {};
    const response = problem(error.status, error.code, error.message, {
      ...(error instanceof ForbiddenError || error instanceof ConflictError ? error.extensions : {}),
      instance,
      ...listed,
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
    if (error.status >= 500) invocationLog(context).error(`${error.name}: ${error.message}`);
    return response;
  }
  invocationLog(context).error('Unhandled error', error);
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

/**
 * An HTTP handler resolved on each call, with everything thrown while resolving it (settings read on first use,
 * clients built) answered as problem details too: a registration in functions/ stays one line.
 */
export function httpEntry(resolve: () => HttpHandler): HttpHandler {
  return async (request, context) => {
    let handler: HttpHandler;
    try {
      handler = resolve();
    } catch (error) {
      return toProblemResponse(error, request, context);
    }
    return handler(request, context);
  };
}

/** `Bearer error="invalid_token"`; the description keeps to the characters RFC 6750 allows in a quoted value. */
function bearerChallenge(description: string): string {
  const safe = description.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, ' ');
  return `Bearer error="invalid_token", error_description="${safe}"`;
}
