import {
  AppError,
  ConflictError,
  DependencyRejectedError,
  DependencyUnavailableError,
  NotFoundError,
  PreconditionFailedError,
  ThrottledError,
} from '../../errors';
import { transientNetworkCodes } from '../transient-network';

const dependency = 'cosmos';

interface CosmosFailure {
  name?: string;
  message?: string;
  code?: number | string;
  retryAfterInMs?: number;
}

/**
 * Translates a Cosmos SDK failure into the app's error family; `what` names the operation for the message (ids and
 * partition keys are fine, document bodies are not). Anything that is not a Cosmos failure (a bug in our code) is
 * returned unchanged so that it surfaces as itself.
 */
export function translateCosmosError(error: unknown, what: string): unknown {
  if (error instanceof AppError || !(error instanceof Error)) return error;
  const failure = error as CosmosFailure;
  const options = { cause: error };
  if (typeof failure.code === 'number') {
    const status = failure.code;
    switch (status) {
      case 404:
        return new NotFoundError(`${what}: not found`, options);
      case 409:
        return new ConflictError(`${what}: already exists`, options);
      case 412:
        return new PreconditionFailedError(`${what}: changed since it was read`, options);
      case 429:
        return new ThrottledError(`${what}: throttled by Cosmos DB`, failure.retryAfterInMs, options);
      case 408:
        return new DependencyUnavailableError(`${what}: Cosmos DB timed out`, dependency, options);
    }
    if (status >= 500)
      return new DependencyUnavailableError(`${what}: Cosmos DB failed (${status})`, dependency, options);
    if (status >= 400) {
      return new DependencyRejectedError(
        `${what}: Cosmos DB refused the request (${status})`,
        dependency,
        status,
        undefined,
        options,
      );
    }
  }
  if (failure.name === 'TimeoutError' || failure.code === 'TimeoutError') {
    return new DependencyUnavailableError(`${what}: Cosmos DB timed out`, dependency, options);
  }
  if (typeof failure.code === 'string' && transientNetworkCodes.has(failure.code)) {
    return new DependencyUnavailableError(
      `${what}: Cosmos DB unreachable (${failure.code})`,
      dependency,
      options,
    );
  }
  return error;
}

/** Runs one Cosmos call and rethrows its failure translated. */
export async function cosmosCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translateCosmosError(error, what);
  }
}
