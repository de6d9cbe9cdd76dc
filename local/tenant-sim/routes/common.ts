/**
 * What every route module shares: the request's tenant and time, body reading, the error mapping from the
 * model's refusals to the surface's error bodies, and lists whose items are shaped only when read.
 */
import { type SimRequest, type SimResponse, type SimRoute } from '../contract';
import { SimError, surfaceError } from '../errors';
import { type ODataListOptions, odataEntity, odataList } from '../odata';
import { type FilterNode, evaluateFilter, filterPaths, parseFilter } from '../odata-filter';
import { ModelError } from '../model/errors';
import { type SimTenant, type SimWorld } from '../model';

/** Graph's date-time format; `0001-01-01T00:00:00Z` is how Intune writes "never". */
export function iso(time: number | null | undefined): string | null {
  if (time === null || time === undefined || time === Number.POSITIVE_INFINITY) return null;
  if (time === Number.NEGATIVE_INFINITY) return '0001-01-01T00:00:00Z';
  return new Date(time).toISOString();
}

export const intuneNever = '0001-01-01T00:00:00Z';
export const emptyGuid = '00000000-0000-0000-0000-000000000000';

export function tenantOf(world: SimWorld, request: SimRequest): SimTenant {
  const tenant = world.tenant(request.tenantId);
  if (!tenant)
    throw new SimError(
      surfaceError(
        request.surface,
        401,
        'InvalidAuthenticationToken',
        `Tenant '${request.tenantId}' is unknown.`,
      ),
    );
  return tenant;
}

export function nowOf(request: SimRequest): number {
  return request.clock.now();
}

/** The JSON object body of a POST/PATCH; anything else is the caller's mistake. */
export function objectBody(request: SimRequest): Record<string, unknown> {
  const body = request.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ModelError(400, 'BadRequest', 'The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

export function optionalString(body: Record<string, unknown>, name: string): string | null {
  const value = body[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string')
    throw new ModelError(400, 'BadRequest', `Invalid value specified for property '${name}'.`);
  return value;
}

export const noContent: SimResponse = { status: 204 };

export function ok(body: unknown): SimResponse {
  return { status: 200, body };
}

export function created(body: unknown): SimResponse {
  return { status: 201, body };
}

export function collection(context: string, value: unknown[]): SimResponse {
  return ok({ '@odata.context': context, value });
}

/** `@odata.context` of a collection under this surface, e.g. `…/$metadata#deviceManagement/managedDevices`. */
export function contextUrl(request: SimRequest, path: string): string {
  return `${request.baseUrl}/$metadata#${path}`;
}

/** Builds a route whose model refusals become the surface's error body (Graph `innerError`, Defender `target`). */
export function route(definition: SimRoute): SimRoute {
  return {
    ...definition,
    handler: async (request) => {
      try {
        return await definition.handler(request);
      } catch (error) {
        if (error instanceof ModelError) {
          const response = surfaceError(request.surface, error.status, error.code, error.message);
          return { ...response, headers: { ...response.headers, ...error.headers } };
        }
        throw error;
      }
    },
  };
}

/**
 * A read-only array whose element i is `shape(source[i])`, computed when read. The OData helper pages an
 * unfiltered list by index, so a page of a 100,000-device list shapes only the devices on that page.
 */
export function shapedList<S, T extends object>(
  source: readonly S[],
  shape: (item: S) => T,
  unusedBefore = 0,
): readonly T[] {
  const placeholder = {} as T;
  return new Proxy(source as unknown as T[], {
    get(target, property, receiver) {
      if (typeof property === 'string' && /^\d+$/.test(property)) {
        const index = Number(property);
        if (index < unusedBefore) return placeholder;
        return index < source.length ? shape(source[index] as S) : undefined;
      }
      if (property === 'length') return source.length;
      // Iteration and array methods read elements through `get` above.
      const value: unknown = Reflect.get(Array.prototype, property, receiver);
      return typeof value === 'function'
        ? (value as (...args: unknown[]) => unknown).bind(receiver)
        : (Reflect.get(target, property, receiver) as unknown);
    },
  });
}

type ListOptions<T> = Omit<ODataListOptions<T>, 'collectionUrl' | 'surface' | 'context'>;

/**
 * A collection answer through the framework's OData helper, with `@odata.context` and the entity's
 * properties (taken from the first item) so `$select`/`$filter` on unknown properties are refused as Graph does.
 */
export function list<T extends object>(
  request: SimRequest,
  items: readonly T[],
  contextPath: string,
  options: ListOptions<T> = {},
): SimResponse {
  // A placeholder (see unreadBeforeSkip) has no properties to learn from.
  const properties = items.length > 0 ? Object.keys(items[0] as T) : [];
  return odataList(request, items, {
    context:
      request.surface === 'defender'
        ? `${request.baseUrl}/$metadata#${contextPath}`
        : contextUrl(request, contextPath),
    ...(properties.length > 0 ? { properties } : {}),
    ...options,
  });
}

/** A single-entity answer with `$select`/`$expand` applied and its `@odata.context`. */
export function entity<T extends object>(
  request: SimRequest,
  item: T,
  contextPath: string,
  options: Pick<ListOptions<T>, 'entityType' | 'expand'> = {},
): SimResponse {
  const response = odataEntity(request, item, { properties: Object.keys(item), ...options });
  if (response.status !== 200) return response;
  return ok({
    '@odata.context': contextUrl(request, `${contextPath}/$entity`),
    ...(response.body as Record<string, unknown>),
  });
}

/**
 * Defender pages by `$skip`: without `$filter` or `$orderby` the helper walks past the first `$skip` items
 * without looking at them, so they need not be shaped (see `shapedList`'s `unusedBefore`).
 */
export function unreadBeforeSkip(request: SimRequest): number {
  if (request.query.has('$filter') || request.query.has('$orderby')) return 0;
  const skip = Number(request.query.get('$skip') ?? '0');
  return Number.isInteger(skip) && skip > 0 ? skip : 0;
}

/** A property a list can pre-filter on without shaping its items. */
export interface FilterKey<S> {
  /** The value the shaped item would carry. */
  value(item: S): unknown;
  /** A direct lookup for `property eq 'value'`. */
  find?(value: string): S | undefined;
}

function conjuncts(node: FilterNode): FilterNode[] {
  return node.kind === 'and' ? [...conjuncts(node.left), ...conjuncts(node.right)] : [node];
}

/**
 * The items that can satisfy the request's `$filter`, found from raw values: the `and`-parts that name only
 * `keys` are evaluated (with the framework's own evaluator) on those values, `eq` on a key with `find` is a
 * lookup. The OData helper still applies the whole filter to what remains, so this only saves shaping items
 * that cannot match: a filtered query on a 100,000-device list shapes only its matches.
 */
export function narrow<S>(
  items: readonly S[],
  request: SimRequest,
  keys: Readonly<Record<string, FilterKey<S>>>,
): readonly S[] {
  const text = request.query.get('$filter');
  if (!text) return items;
  let root: FilterNode;
  try {
    root = parseFilter(text);
  } catch {
    return items; // the OData helper answers the malformed filter
  }
  let candidates = items;
  const evaluated: { node: FilterNode; names: string[] }[] = [];
  for (const node of conjuncts(root)) {
    const names = filterPaths(node).map((path) => path.join('/'));
    if (names.length === 0 || !names.every((name) => name in keys)) continue;
    const key = keys[names[0] as string];
    if (
      node.kind === 'compare' &&
      node.operator === 'eq' &&
      node.right.kind === 'literal' &&
      typeof node.right.value === 'string' &&
      key?.find
    ) {
      const found = key.find(node.right.value);
      candidates = found !== undefined && candidates.includes(found) ? [found] : [];
    } else {
      evaluated.push({ node, names });
    }
  }
  if (evaluated.length === 0) return candidates;
  return candidates.filter((item) =>
    evaluated.every(({ node, names }) =>
      evaluateFilter(node, Object.fromEntries(names.map((name) => [name, keys[name]?.value(item)]))),
    ),
  );
}
