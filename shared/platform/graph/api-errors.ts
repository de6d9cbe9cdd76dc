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
  /** The request path without its query; `toAppError` names it only as `redactedPath` gives it. */
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
  return typeof message === 'string' ? redactText(message.slice(0, 300)) : undefined;
}

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A segment of the API's own vocabulary: `v1.0`, `users`, `assignLicense`, `$ref`. */
const routeWord = /^[A-Za-z$][A-Za-z0-9.$]*$/;
/** Collections whose key segment may be a person's name (a user principal name stands for the user's id). */
const personalKeys = new Set(['users', 'people', 'contacts']);

/**
 * A request path as errors and logs may name it: route words and GUIDs stay, every other segment (a user principal
 * name, a serial number, anything a caller put in the path) becomes `{value}`. Errors travel into durable outputs,
 * onboarding records and log lines, which must name ids, never personal data.
 */
export function redactedPath(path: string): string {
  const segments = path.split('/');
  return segments
    .map((raw, index) => {
      let segment = raw;
      try {
        segment = decodeURIComponent(raw);
      } catch {
        return '{value}';
      }
      if (segment === '' || guid.test(segment)) return raw;
      const keyOfPersonal = personalKeys.has((segments[index - 1] ?? '').toLowerCase());
      return routeWord.test(segment) && !keyOfPersonal ? raw : '{value}';
    })
    .join('/');
}

const emailLike = /[^\s'"<>()[\],;:]+@[^\s'"<>()[\],;:]+/g;

/** A service's message with anything shaped like a user principal name or e-mail address taken out. */
export function redactText(text: string): string {
  return text.replace(emailLike, '{upn}');
}

/** Translates a failed answer (after retries) into the app's typed errors, naming ids but no personal data. */
export function toAppError(failure: ServiceFailure): AppError {
  const code = serviceErrorCode(failure.body);
  const what = `${failure.dependency} ${failure.method} ${redactedPath(failure.path)} answered ${failure.status}${code ? ` ${code}` : ''}`;
  const detail = serviceErrorMessage(failure.body);
  const message = detail ? `${what}: ${detail}` : what;
  if (failure.status === 429) return new ThrottledError(message, failure.retryAfterMs);
  if (isTransientStatus(failure.status)) return new DependencyUnavailableError(message, failure.dependency);
  if (failure.status === 404) return new ResourceNotFoundError(message, failure.dependency, code);
  if (failure.status === 401) return new UnauthorizedError(message);
  return new DependencyRejectedError(message, failure.dependency, failure.status, code);
}
