/**
 * A request the model refuses, carrying the status, code and message the real service answers with. Route
 * handlers turn it into the surface's error body (Graph `innerError` or Defender `target`).
 */
export class ModelError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers, e.g. Retry-After on a refused Autopilot sync. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ModelError';
  }
}

export function notFound(code: string, message: string): ModelError {
  return new ModelError(404, code, message);
}

export function badRequest(code: string, message: string): ModelError {
  return new ModelError(400, code, message);
}
