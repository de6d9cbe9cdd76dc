/**
 * OData query options as Graph and Defender apply them to collections: `$filter`, `$select`, `$expand`,
 * `$orderby`, `$top`, `$skip`, `$count` and server-driven paging through `@odata.nextLink`.
 * Pure functions over arrays; route handlers call `odataList` / `odataEntity` (or `applyODataQuery` directly).
 * A query the simulator (or the real service) does not support raises `ODataQueryError` → 400, never a
 * silently ignored option, so the app cannot come to rely on something the real API would refuse.
 */
import { createHash } from 'node:crypto';
import { type ApiSurface, type SimRequest, type SimResponse } from './contract';
import { SimError, surfaceError } from './errors';
import { type FilterNode, evaluateFilter, filterPaths, parseFilter } from './odata-filter';

export { type FilterNode, evaluateFilter, parseFilter } from './odata-filter';

/** Graph lists: 100 a page unless `$top` asks for more, at most 1,000 (Intune managedDevices' cap). */
export const graphPaging = { defaultTop: 100, maxTop: 1000 } as const;
/** Defender lists: everything up to 10,000 a page; `$top` above 10,000 is refused. */
export const defenderPaging = { defaultTop: 10_000, maxTop: 10_000, topAboveMax: 'reject' } as const;

export interface ODataListOptions<T> {
  /** Absolute URL of the collection without a query; `@odata.nextLink` is this plus the next page's query. */
  collectionUrl: string;
  /** Decides the paging style (Graph `$skiptoken`, Defender `$skip`) and the error body shape. */
  surface: ApiSurface;
  /** For error messages and `@odata.context`, e.g. `microsoft.graph.managedDevice`. */
  entityType?: string;
  /** `@odata.context` value; omitted when absent. */
  context?: string;
  /** Page size without `$top`. Default: 100 (Graph), 10,000 (Defender). */
  defaultTop?: number;
  /** Largest page. Default: 1,000 (Graph), 10,000 (Defender). */
  maxTop?: number;
  /** `$top` above `maxTop`: Graph pages at the cap ('clamp', default), Defender refuses ('reject'). */
  topAboveMax?: 'clamp' | 'reject';
  /** Known top-level properties; `$select`/`$filter`/`$orderby` on others → 400. Absent: not checked. */
  properties?: readonly string[];
  /** Properties `$filter` may use (top-level name of a path). Absent: any known property. */
  filterable?: readonly string[];
  /** Properties `$orderby` may use. Absent: any known property. Empty array: `$orderby` refused. */
  orderable?: readonly string[];
  /**
   * The API representation of an item, when `items` are model objects: computed only for the items a query
   * reads (all of them under `$filter`/`$orderby`/`$count`, the page's otherwise), so paging 100,000 devices
   * does not build 100,000 JSON objects per page. Default: the item itself.
   */
  view?: (item: T) => object;
  /** Navigation properties `$expand` may name, each with the function that produces it for an item. */
  expand?: Readonly<Record<string, (item: T) => unknown>>;
  /** Whether `$count=true` is honoured (Graph: yes; some Intune lists refuse). Default true. */
  count?: boolean;
}

export interface ODataPage {
  '@odata.context'?: string;
  '@odata.count'?: number;
  '@odata.nextLink'?: string;
  value: Record<string, unknown>[];
}

/** A 400 for a query option the API does not support. */
export class ODataQueryError extends SimError {
  constructor(surface: ApiSurface, message: string) {
    super(surfaceError(surface, 400, 'BadRequest', message));
    this.name = 'ODataQueryError';
  }
}

/** Query options the helpers understand; any other `$option` is refused. */
const knownOptions = new Set([
  '$filter',
  '$select',
  '$expand',
  '$orderby',
  '$top',
  '$skip',
  '$skiptoken',
  '$count',
]);

/**
 * One page of `items` after `$filter`, `$orderby`, paging, `$select` and `$expand`. Throws ODataQueryError.
 * Without `$orderby`, the page token records the position in `items` itself, so a page costs O(page) on an
 * unfiltered list and a scan from the previous page's end on a filtered one; keep `items` in a stable order.
 */
export function applyODataQuery<T extends object>(
  items: readonly T[],
  query: URLSearchParams,
  options: ODataListOptions<T>,
): ODataPage {
  const parsed = parseListQuery(query, options);
  const view = options.view ?? ((item: T): object => item);
  const filter = parsed.filter;
  const matches = filter ? (item: T): boolean => evaluateFilter(filter, view(item)) : (): boolean => true;

  const page: T[] = [];
  let next: number | undefined;
  let count: number | undefined;

  if (parsed.orderby.length > 0) {
    const sorted = items
      .filter(matches)
      .map((item) => ({ item, json: view(item) }))
      .sort(comparator(parsed.orderby))
      .map((entry) => entry.item);
    page.push(...sorted.slice(parsed.start, parsed.start + parsed.top));
    if (parsed.start + parsed.top < sorted.length) next = parsed.start + parsed.top;
    count = sorted.length;
  } else if (parsed.position === 'index') {
    // Graph's $skiptoken holds a position in `items`, so the next page resumes where this one stopped.
    let toSkip = parsed.skip;
    let index = parsed.start;
    for (; index < items.length && page.length < parsed.top; index++) {
      const item = items[index] as T;
      if (!matches(item)) continue;
      if (toSkip > 0) toSkip--;
      else page.push(item);
    }
    for (; index < items.length; index++) {
      if (matches(items[index] as T)) {
        next = index;
        break;
      }
    }
  } else {
    // Defender's $skip: an offset among the matching items.
    let seen = 0;
    for (const item of items) {
      if (!matches(item)) continue;
      if (seen >= parsed.start + parsed.top) {
        next = parsed.start + parsed.top;
        break;
      }
      if (seen >= parsed.start) page.push(item);
      seen++;
    }
  }
  if (parsed.count && count === undefined)
    count = parsed.filter ? items.filter(matches).length : items.length;

  const result: ODataPage = { value: [] };
  if (options.context) result['@odata.context'] = options.context;
  if (parsed.count) result['@odata.count'] = count;
  if (next !== undefined) result['@odata.nextLink'] = nextLink(query, options, parsed, next);
  result.value = page.map((item) => shape(item, view(item), parsed.select, parsed.expand, options));
  return result;
}

/** `$select` and `$expand` on a single entity (GET of one resource). Throws ODataQueryError. */
export function applyODataEntity<T extends object>(
  item: T,
  query: URLSearchParams,
  options: Pick<ODataListOptions<T>, 'surface' | 'entityType' | 'properties' | 'expand'>,
): Record<string, unknown> {
  for (const name of query.keys()) {
    if (name.startsWith('$') && name !== '$select' && name !== '$expand') {
      throw new ODataQueryError(options.surface, `Query option '${name}' is not allowed on a single entity.`);
    }
  }
  const select = parseSelect(query.get('$select'), options);
  const expand = parseExpand(query.get('$expand'), options);
  return shape(item, item, select, expand, options);
}

/** A list handler's whole answer: 200 with the page, or the 400 for an unsupported query. */
export function odataList<T extends object>(
  request: SimRequest,
  items: readonly T[],
  options: Omit<ODataListOptions<T>, 'collectionUrl' | 'surface'> & { collectionUrl?: string } = {},
): SimResponse {
  try {
    const collectionUrl = options.collectionUrl ?? request.baseUrl + request.path;
    return {
      status: 200,
      body: applyODataQuery(items, request.query, { ...options, collectionUrl, surface: request.surface }),
    };
  } catch (error) {
    if (error instanceof SimError) return error.response;
    throw error;
  }
}

/** A single-entity GET handler's answer: 200 with `$select`/`$expand` applied, or the 400. */
export function odataEntity<T extends object>(
  request: SimRequest,
  item: T,
  options: Omit<Parameters<typeof applyODataEntity<T>>[2], 'surface'> = {},
): SimResponse {
  try {
    return {
      status: 200,
      body: applyODataEntity(item, request.query, { ...options, surface: request.surface }),
    };
  } catch (error) {
    if (error instanceof SimError) return error.response;
    throw error;
  }
}

interface OrderKey {
  path: string[];
  descending: boolean;
}

interface ParsedListQuery {
  filter?: FilterNode;
  filterText: string;
  orderby: OrderKey[];
  select?: string[];
  expand: string[];
  top: number;
  /**
   * How positions are counted: Graph without `$orderby` pages by index into `items` (cheap on 100,000
   * devices); sorted lists and Defender page by offset among the matching items.
   */
  position: 'index' | 'offset';
  /** Where this page starts (from `$skiptoken`, or Defender's `$skip`). */
  start: number;
  /** Graph's `$skip`: matching items to pass over from `start`. */
  skip: number;
  count: boolean;
}

function parseListQuery<T>(query: URLSearchParams, options: ODataListOptions<T>): ParsedListQuery {
  const fail = (message: string): never => {
    throw new ODataQueryError(options.surface, message);
  };
  for (const name of query.keys()) {
    if (name.startsWith('$') && !knownOptions.has(name)) fail(`Query option '${name}' is not supported.`);
    if (query.getAll(name).length > 1) fail(`Query option '${name}' was specified more than once.`);
  }
  const isDefender = options.surface === 'defender';
  const defaultTop = options.defaultTop ?? (isDefender ? defenderPaging.defaultTop : graphPaging.defaultTop);
  const maxTop = options.maxTop ?? (isDefender ? defenderPaging.maxTop : graphPaging.maxTop);
  const topAboveMax = options.topAboveMax ?? (isDefender ? 'reject' : 'clamp');

  let top = defaultTop;
  const topText = query.get('$top');
  if (topText !== null) {
    top = parseNonNegativeInteger(topText) ?? fail(`Invalid value '${topText}' for query option $top.`);
    if (top < 1) fail(`Invalid value '${topText}' for query option $top.`);
    if (top > maxTop) {
      if (topAboveMax === 'reject')
        fail(
          `The limit of '${maxTop}' for Top query has been exceeded. The value from the incoming request is '${top}'.`,
        );
      top = maxTop;
    }
  }

  const filterText = query.get('$filter') ?? '';
  let filter: FilterNode | undefined;
  if (filterText.trim() !== '') {
    try {
      filter = parseFilter(filterText);
    } catch (error) {
      fail(`Invalid filter clause: ${(error as Error).message}`);
    }
    for (const path of filterPaths(filter as FilterNode)) {
      const name = path[0] as string;
      checkProperty(name, options);
      if (options.filterable && !options.filterable.includes(name)) {
        fail(`Invalid filter clause: filtering on property '${name}' is not supported.`);
      }
    }
  }

  const orderby = parseOrderby(query.get('$orderby'), options);
  const countText = query.get('$count');
  if (countText !== null && countText !== 'true' && countText !== 'false')
    fail(`Invalid value '${countText}' for query option $count.`);
  const count = countText === 'true';
  if (count && options.count === false) fail('$count is not supported on this resource.');

  const select = parseSelect(query.get('$select'), options);
  const expand = parseExpand(query.get('$expand'), options);

  const position = orderby.length === 0 && !isDefender ? 'index' : 'offset';
  const skipText = query.get('$skip');
  const skipValue =
    skipText === null
      ? 0
      : (parseNonNegativeInteger(skipText) ?? fail(`Invalid value '${skipText}' for query option $skip.`));
  const token = query.get('$skiptoken');
  let start = 0;
  if (token !== null) {
    if (skipText !== null) fail('$skip and $skiptoken cannot be combined.');
    const decoded = decodeSkipToken(token);
    if (!decoded || decoded.fingerprint !== fingerprint(filterText, query.get('$orderby')))
      fail('The $skiptoken is invalid.');
    start = (decoded as SkipToken).position;
  }
  // An offset-counted list starts at $skip; an index-counted one passes over $skip matches from its start.
  const skip = position === 'index' ? skipValue : 0;
  if (position === 'offset' && skipText !== null) start = skipValue;
  return { filter, filterText, orderby, select, expand, top, position, start, skip, count };
}

function parseNonNegativeInteger(text: string): number | undefined {
  return /^\d{1,9}$/.test(text) ? Number(text) : undefined;
}

function checkProperty<T>(
  name: string,
  options: Pick<ODataListOptions<T>, 'properties' | 'surface' | 'entityType'>,
): void {
  if (options.properties && !options.properties.includes(name)) {
    const type = options.entityType ? ` on type '${options.entityType}'` : '';
    throw new ODataQueryError(options.surface, `Could not find a property named '${name}'${type}.`);
  }
}

function parseSelect<T>(
  text: string | null,
  options: Pick<ODataListOptions<T>, 'properties' | 'surface' | 'entityType'>,
): string[] | undefined {
  if (text === null || text.trim() === '') return undefined;
  const names = text.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!/^[A-Za-z_@][\w.@]*$/.test(name))
      throw new ODataQueryError(options.surface, `Invalid $select clause: '${name}'.`);
    checkProperty(name, options);
  }
  return names;
}

function parseExpand<T>(
  text: string | null,
  options: Pick<ODataListOptions<T>, 'expand' | 'surface' | 'entityType'>,
): string[] {
  if (text === null || text.trim() === '') return [];
  return text.split(',').map((raw) => {
    const name = raw.trim();
    if (!options.expand || !(name in options.expand)) {
      const type = options.entityType ? ` on type '${options.entityType}'` : '';
      throw new ODataQueryError(
        options.surface,
        `Could not find a navigation property named '${name}'${type} to expand.`,
      );
    }
    return name;
  });
}

function parseOrderby<T>(text: string | null, options: ODataListOptions<T>): OrderKey[] {
  if (text === null || text.trim() === '') return [];
  return text.split(',').map((clause) => {
    const match = /^\s*([A-Za-z_][\w/]*)(?:\s+(asc|desc))?\s*$/i.exec(clause);
    if (!match) throw new ODataQueryError(options.surface, `Invalid $orderby clause: '${clause.trim()}'.`);
    const path = (match[1] as string).split('/');
    const name = path[0] as string;
    checkProperty(name, options);
    if (options.orderable && !options.orderable.includes(name)) {
      throw new ODataQueryError(options.surface, `Sorting on property '${name}' is not supported.`);
    }
    return { path, descending: match[2]?.toLowerCase() === 'desc' };
  });
}

function comparator(keys: OrderKey[]): (a: { json: object }, b: { json: object }) => number {
  return (a, b) => {
    for (const key of keys) {
      const order = compareValues(readPath(a.json, key.path), readPath(b.json, key.path));
      if (order !== 0) return key.descending ? -order : order;
    }
    return 0;
  };
}

/** Nulls first, as OData sorts them ascending. */
function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'string' && typeof b === 'string')
    return a.localeCompare(b, 'en', { sensitivity: 'base' });
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

function readPath(item: unknown, path: readonly string[]): unknown {
  let value: unknown = item;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function shape<T extends object>(
  item: T,
  json: object,
  select: string[] | undefined,
  expand: string[],
  options: Pick<ODataListOptions<T>, 'expand'>,
): Record<string, unknown> {
  const source = json as Record<string, unknown>;
  let out: Record<string, unknown>;
  if (select) {
    out = {};
    // Graph keeps the type annotation of derived types even under $select.
    if ('@odata.type' in source) out['@odata.type'] = source['@odata.type'];
    for (const name of select) out[name] = source[name] ?? null;
  } else {
    out = { ...source };
  }
  for (const name of expand) out[name] = options.expand?.[name]?.(item) ?? null;
  return out;
}

interface SkipToken {
  position: number;
  fingerprint: string;
}

/** The token binds the position to the filter and order it was computed under; it is opaque to clients. */
function fingerprint(filterText: string, orderby: string | null): string {
  return createHash('sha256')
    .update(`${filterText}\u0000${orderby ?? ''}`)
    .digest('base64url')
    .slice(0, 10);
}

function encodeSkipToken(token: SkipToken): string {
  return Buffer.from(JSON.stringify({ p: token.position, f: token.fingerprint })).toString('base64url');
}

function decodeSkipToken(text: string): SkipToken | undefined {
  try {
    const raw = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { p?: unknown; f?: unknown };
    if (typeof raw.p !== 'number' || !Number.isInteger(raw.p) || raw.p < 0 || typeof raw.f !== 'string')
      return undefined;
    return { position: raw.p, fingerprint: raw.f };
  } catch {
    return undefined;
  }
}

function nextLink<T>(
  query: URLSearchParams,
  options: ODataListOptions<T>,
  parsed: ParsedListQuery,
  next: number,
): string {
  const params = new URLSearchParams();
  for (const [name, value] of query) {
    if (name !== '$skiptoken' && name !== '$skip' && name !== '$top') params.set(name, value);
  }
  if (query.has('$top')) params.set('$top', String(parsed.top));
  if (options.surface === 'defender') params.set('$skip', String(next));
  else
    params.set(
      '$skiptoken',
      encodeSkipToken({ position: next, fingerprint: fingerprint(parsed.filterText, query.get('$orderby')) }),
    );
  // Graph writes `$` unescaped in its links; URLSearchParams would write %24.
  return `${options.collectionUrl}?${params.toString().replace(/%24/g, '$')}`;
}
