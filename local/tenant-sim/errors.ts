import { randomUUID } from 'node:crypto';
import { type ApiSurface, type SimResponse, graphError } from './contract';

/**
 * An HTTP answer raised from deep inside a handler or a parser. The server sends `response` as it is, so a
 * route handler (or the OData helpers it calls) can stop with an exact Graph or Defender error body.
 */
export class SimError extends Error {
  constructor(readonly response: SimResponse) {
    super(describe(response));
    this.name = 'SimError';
  }
}

function describe(response: SimResponse): string {
  const error = (response.body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : '';
  const message = typeof error?.message === 'string' ? error.message : '';
  return `${response.status} ${code} ${message}`.trim();
}

/** Defender for Endpoint writes `{error:{code, message, target}}`, where target is the request's id. */
export function defenderError(status: number, code: string, message: string): SimResponse {
  return { status, body: { error: { code, message, target: randomUUID() } } };
}

/** The error body the given API writes. */
export function surfaceError(
  surface: ApiSurface,
  status: number,
  code: string,
  message: string,
): SimResponse {
  return surface === 'defender' ? defenderError(status, code, message) : graphError(status, code, message);
}
