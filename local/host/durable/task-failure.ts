import { FunctionInvocationError } from '../invoker';
import type { FailureDetails } from './history';

export function messageOf(error: unknown): string {
  const cause = error instanceof FunctionInvocationError ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}

function parseFailureDetails(message: string): FailureDetails | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { errorType, errorMessage, stackTrace, isNonRetriable, properties } = parsed as Record<
    string,
    unknown
  >;
  if (typeof errorType !== 'string' || typeof errorMessage !== 'string') return undefined;
  return {
    ErrorType: errorType,
    ErrorMessage: errorMessage,
    StackTrace: typeof stackTrace === 'string' ? stackTrace : undefined,
    IsNonRetriable: isNonRetriable === true,
    Properties: properties,
  };
}

/**
 * How a failed activity appears in history. The orchestrator sees `Reason \n Details` as the error message
 * (the stack stays in the host log, where the invoker put it). With an exception properties provider
 * registered, durable-functions rewrites the message into JSON; that becomes FailureDetails, from which the
 * library builds a TaskFailedError.
 */
export function activityFailure(
  name: string,
  error: unknown,
): { reason: string; details: string; failureDetails?: FailureDetails } {
  const message = messageOf(error);
  const details = parseFailureDetails(message);
  if (details)
    return {
      reason: `Activity function '${name}' failed: ${details.ErrorMessage}`,
      details: '',
      failureDetails: details,
    };
  return { reason: `Activity function '${name}' failed: ${message}`, details: '' };
}
