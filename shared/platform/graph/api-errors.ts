import {
  type AppError,
  DependencyRejectedError,
  DependencyUnavailableError,
  NotFoundError,
  ThrottledError,
  UnauthorizedError,
} from '../../errors';
import { isTransientStatus } from './retry-strategy';

/** The error body Graph and Defender write: `{ error: { code, message } }`. */
interface ServiceErrorBody {
  error?: { code?: unknown; message?: unknown };
}

export interface ServiceFailure {
  dependency: string;
  method: string;
  /** The request path without its query: queries may carry user principal names. */
  path: string;
  status: number;
  body: unknown;
  retryAfterMs?: number;
}

/** A 404 from a service: the resource is not there (a business answer, not a fault). */
export class ResourceNotFoundError extends NotFoundError {
  constructor(
    message: string,
    readonly dependency: string,
    readonly dependencyCode?: string,
  ) {
    super(message);
  }
}

export function serviceErrorCode(body: unknown): string | undefined {
  const code = (body as ServiceErrorBody | undefined)?.error?.code;
  return typeof code === 'string' ? code : undefined;
}

function serviceErrorMessage(body: unknown): string | undefined {
  const message = (body as ServiceErrorBody | undefined)?.error?.message;
  return typeof message === 'string' ? message.slice(0, 300) : undefined;
}

/** Translates a failed answer (after retries) into the app's typed errors. */
export function toAppError(failure: ServiceFailure): AppError {
  const code = serviceErrorCode(failure.body);
  const what = `${failure.dependency} ${failure.method} ${failure.path} answered ${failure.status}${code ? ` ${code}` : ''}`;
  const detail = serviceErrorMessage(failure.body);
  const message = detail ? `${what}: ${detail}` : what;
  if (failure.status === 429) return new ThrottledError(message, failure.retryAfterMs);
  if (isTransientStatus(failure.status)) return new DependencyUnavailableError(message, failure.dependency);
  if (failure.status === 404) return new ResourceNotFoundError(message, failure.dependency, code);
  if (failure.status === 401) return new UnauthorizedError(message);
  return new DependencyRejectedError(message, failure.dependency, failure.status, code);
}
