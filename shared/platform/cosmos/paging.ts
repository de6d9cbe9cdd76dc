import { createHash } from 'node:crypto';
import { type Container, type SqlQuerySpec } from '@azure/cosmos';
import { DependencyRejectedError, ValidationError } from '../../errors';
import { cosmosCall } from './errors';

export interface Page<T> {
  items: T[];
  /** Present while more items match: hand it back to read the next page. Opaque to callers. */
  continuationToken?: string;
}

export interface PageRequest {
  pageSize: number;
  continuationToken?: string | undefined;
}

const invalidToken = () =>
  new ValidationError('The continuation token is not one this query handed out.', [
    {
      field: 'continuationToken',
      message: 'must be a continuation token from the previous page of this query',
    },
  ]);

/**
 * One page of a query, continued by Cosmos continuation tokens (the emulator has no OFFSET/LIMIT, and tokens keep a
 * page's cost independent of how deep it is). The token handed out wraps Cosmos's with a hash of the query, so a
 * token continues only the query (tenant and filters) it came from; anything else is a 400, never a 5xx.
 */
export async function queryPage<T>(
  container: Container,
  query: SqlQuerySpec,
  page: PageRequest,
  what: string,
): Promise<Page<T>> {
  const binding = createHash('sha256').update(JSON.stringify(query)).digest('base64url').slice(0, 16);
  const cosmosToken =
    page.continuationToken === undefined ? undefined : unwrap(page.continuationToken, binding);
  try {
    const response = await cosmosCall(what, () =>
      container.items
        .query<T>(query, {
          maxItemCount: page.pageSize,
          ...(cosmosToken === undefined ? {} : { continuationToken: cosmosToken }),
        })
        .fetchNext(),
    );
    const next = response.continuationToken;
    return {
      items: response.resources,
      ...(next
        ? { continuationToken: Buffer.from(JSON.stringify({ b: binding, c: next })).toString('base64url') }
        : {}),
    };
  } catch (error) {
    // A token that decodes but that Cosmos cannot continue from (altered by hand) is the caller's mistake.
    if (
      cosmosToken !== undefined &&
      error instanceof DependencyRejectedError &&
      error.dependencyStatus === 400
    )
      throw invalidToken();
    throw error;
  }
}

function unwrap(token: string, binding: string): string {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (
      typeof decoded === 'object' &&
      decoded !== null &&
      (decoded as { b?: unknown }).b === binding &&
      typeof (decoded as { c?: unknown }).c === 'string'
    ) {
      return (decoded as { c: string }).c;
    }
  } catch {
    // falls through to the refusal
  }
  throw invalidToken();
}

/** Every item of a query (for aggregates computed in code: the emulator has no GROUP BY). */
export async function queryAll<T>(container: Container, query: SqlQuerySpec, what: string): Promise<T[]> {
  const { resources } = await cosmosCall(what, () => container.items.query<T>(query).fetchAll());
  return resources;
}
