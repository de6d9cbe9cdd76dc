import { z } from 'zod';
import { KeyVaultError, badParameter } from './errors';
import { pageOf } from './paging';
import type { SecretInput, SecretStore, SecretVersion } from './secret-store';
import { deletedSecretBundle, deletedSecretItem, secretBundle, secretItem } from './wire';

export interface RouteRequest {
  store: SecretStore;
  params: Record<string, string>;
  /** The JSON body, already parsed; undefined for routes without one. */
  body: unknown;
  url: URL;
  /** `https://host:port` as the client addressed the vault; ids are built on it. */
  base: string;
}

export interface RouteResponse {
  status: number;
  body?: unknown;
}

interface Route {
  method: string;
  segments: string[];
  hasBody: boolean;
  handle: (request: RouteRequest) => RouteResponse;
}

const attributesSchema = z
  .object({ enabled: z.boolean().optional(), nbf: z.int().optional(), exp: z.int().optional() })
  .optional();
const setBodySchema = z.object({
  value: z.string(),
  contentType: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  attributes: attributesSchema,
});
const updateBodySchema = setBodySchema.omit({ value: true });

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw badParameter(`The request body is not valid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function toInput(body: z.infer<typeof updateBodySchema>): Omit<SecretInput, 'value'> {
  return {
    contentType: body.contentType,
    tags: body.tags,
    enabled: body.attributes?.enabled,
    notBefore: body.attributes?.nbf,
    expires: body.attributes?.exp,
  };
}

const versionCursor = (v: SecretVersion): string => String(v.seq).padStart(12, '0');
const nameCursor = (v: SecretVersion): string => v.name.toLowerCase();

function route(method: string, path: string, handle: (request: RouteRequest) => RouteResponse): Route {
  return {
    method,
    segments: path.split('/').slice(1),
    hasBody: method === 'PUT' || method === 'PATCH',
    handle,
  };
}

// Order matters: `/secrets/{name}/versions` must win over `/secrets/{name}/{version}`.
const routes: Route[] = [
  route('GET', '/secrets', ({ store, url, base }) => {
    const days = store.recoverableDays;
    const page = pageOf(
      store.currentVersions(),
      nameCursor,
      (v) => secretItem(base, v, days, false),
      url,
      base,
    );
    return { status: 200, body: page };
  }),
  route('PUT', '/secrets/{name}', ({ store, params, body, base }) => {
    const parsed = parseBody(setBodySchema, body);
    const created = store.set(params.name ?? '', { value: parsed.value, ...toInput(parsed) });
    return { status: 200, body: secretBundle(base, created, store.recoverableDays, true) };
  }),
  route('DELETE', '/secrets/{name}', ({ store, params, base }) => {
    const deleted = store.delete(params.name ?? '');
    return { status: 200, body: deletedSecretBundle(base, deleted, store.recoverableDays) };
  }),
  route('GET', '/secrets/{name}', ({ store, params, base }) => {
    return {
      status: 200,
      body: secretBundle(base, store.get(params.name ?? ''), store.recoverableDays, true),
    };
  }),
  route('GET', '/secrets/{name}/versions', ({ store, params, url, base }) => {
    const days = store.recoverableDays;
    const versions = store.versionsOf(params.name ?? '');
    return {
      status: 200,
      body: pageOf(versions, versionCursor, (v) => secretItem(base, v, days, true), url, base),
    };
  }),
  route('GET', '/secrets/{name}/{version}', ({ store, params, base }) => {
    const found = store.get(params.name ?? '', params.version);
    return { status: 200, body: secretBundle(base, found, store.recoverableDays, true) };
  }),
  route('PATCH', '/secrets/{name}/{version}', ({ store, params, body, base }) => {
    const updated = store.update(
      params.name ?? '',
      params.version,
      toInput(parseBody(updateBodySchema, body)),
    );
    return { status: 200, body: secretBundle(base, updated, store.recoverableDays, false) };
  }),
  route('GET', '/deletedsecrets', ({ store, url, base }) => {
    const days = store.recoverableDays;
    const deleted = store.listDeleted();
    const page = pageOf(
      deleted,
      (d) => nameCursor(d.latest),
      (d) => deletedSecretItem(base, d, days),
      url,
      base,
    );
    return { status: 200, body: page };
  }),
  route('GET', '/deletedsecrets/{name}', ({ store, params, base }) => {
    return {
      status: 200,
      body: deletedSecretBundle(base, store.getDeleted(params.name ?? ''), store.recoverableDays),
    };
  }),
  route('DELETE', '/deletedsecrets/{name}', ({ store, params }) => {
    store.purge(params.name ?? '');
    return { status: 204 };
  }),
  route('POST', '/deletedsecrets/{name}/recover', ({ store, params, base }) => {
    const recovered = store.recover(params.name ?? '');
    return { status: 200, body: secretBundle(base, recovered, store.recoverableDays, false) };
  }),
];

export interface MatchedRoute {
  hasBody: boolean;
  params: Record<string, string>;
  handle: (request: RouteRequest) => RouteResponse;
}

/** Finds the route for a request; `segments` are the decoded path segments (a trailing slash gives ''). */
export function matchRoute(method: string, segments: readonly string[]): MatchedRoute {
  let pathKnown = false;
  for (const candidate of routes) {
    const params = matchSegments(candidate.segments, segments);
    if (!params) continue;
    pathKnown = true;
    if (candidate.method === method) return { hasBody: candidate.hasBody, params, handle: candidate.handle };
  }
  if (pathKnown)
    throw new KeyVaultError(405, 'MethodNotAllowed', `The method ${method} is not allowed on this path.`);
  throw new KeyVaultError(404, 'NotFound', 'The requested path is not a Key Vault secrets operation.');
}

function matchSegments(
  pattern: readonly string[],
  actual: readonly string[],
): Record<string, string> | undefined {
  // `GET /secrets/{name}/` (what the SDK sends for the current version) is `/secrets/{name}` plus a trailing ''.
  const trimmed =
    actual.length === pattern.length + 1 && actual[actual.length - 1] === '' ? actual.slice(0, -1) : actual;
  if (trimmed.length !== pattern.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    const value = trimmed[i] ?? '';
    const param = /^\{(\w+)\}$/.exec(part)?.[1];
    if (param !== undefined) params[param] = value;
    else if (part !== value) return undefined;
  }
  return params;
}
