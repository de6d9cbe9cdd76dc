import { type z } from 'zod';
import { ValidationError } from './errors';

/** Parses `value` with `schema`; on failure throws one ValidationError that lists every bad field by path. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    `The ${what} is invalid.`,
    result.error.issues.map((issue) => ({
      field: issue.path.join('.') || '(body)',
      message: issue.message,
    })),
  );
}

/** Parses a request body as JSON, refusing anything else with a ValidationError rather than a 500. */
export function parseJson(raw: Buffer | string, what: string): unknown {
  try {
    return JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8')) as unknown;
  } catch {
    throw new ValidationError(`The ${what} is not valid JSON.`, [
      { field: '(body)', message: 'must be a JSON document' },
    ]);
  }
}
