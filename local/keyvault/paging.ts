import { badParameter } from './errors';

export interface Page {
  value: unknown[];
  nextLink: string | null;
}

const defaultPageSize = 25;
const maxPageSize = 25;

/**
 * One page of a list that is sorted by `cursorOf`, Key Vault style: at most `maxresults` (1-25, default 25)
 * entries, and a `nextLink` that carries `$skiptoken` (the last cursor handed out) while more remain.
 * Resuming after a cursor, not at an offset, keeps pages stable while secrets are added or deleted.
 */
export function pageOf<T>(
  items: readonly T[],
  cursorOf: (item: T) => string,
  render: (item: T) => unknown,
  request: URL,
  base: string,
): Page {
  const size = pageSize(request.searchParams.get('maxresults'));
  const token = request.searchParams.get('$skiptoken');
  const after = token === null ? undefined : Buffer.from(token, 'base64url').toString('utf8');
  const remaining = after === undefined ? items : items.filter((item) => cursorOf(item) > after);
  const page = remaining.slice(0, size);
  const last = page[page.length - 1];
  let nextLink: string | null = null;
  if (last !== undefined && remaining.length > size) {
    const next = new URL(request.pathname, base);
    next.searchParams.set('api-version', request.searchParams.get('api-version') ?? '');
    next.searchParams.set('$skiptoken', Buffer.from(cursorOf(last), 'utf8').toString('base64url'));
    next.searchParams.set('maxresults', String(size));
    nextLink = next.toString();
  }
  return { value: page.map(render), nextLink };
}

function pageSize(raw: string | null): number {
  if (raw === null) return defaultPageSize;
  const size = Number(raw);
  if (!Number.isInteger(size) || size < 1 || size > maxPageSize) {
    throw badParameter(`The value of 'maxresults' must be an integer between 1 and ${maxPageSize}.`);
  }
  return size;
}
