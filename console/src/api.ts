import { type z } from 'zod';
import { type operatorRoutes } from '../../shared/operators/routes';
import { type Auth } from './auth';

type Routes = typeof operatorRoutes;
/** A route of the operator API's table. */
export type RouteName = keyof Routes;
/** The answer of a route of the operator API's table, typed from its schema (types only: nothing of it is bundled). */
export type Answer<K extends RouteName> = Routes[K]['success'] extends { schema: infer S extends z.ZodType }
  ? z.output<S>
  : unknown;

/** RFC 7807 problem details as the API answers them; shown to the operator as they are. */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: { field: string; message: string }[];
  requiredAuthenticationMethod?: string;
  requiredAuthenticationContext?: string;
  invocationId?: string;
  [extension: string]: unknown;
}

export class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiProblem';
  }
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Calls the operator API under /api/v1 with the signed-in operator's token; any non-2xx becomes an ApiProblem. */
export class Api {
  constructor(private readonly auth: Auth) {}

  async call<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const token = await this.auth.token();
    const response = await fetch(`/api/v1/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const text = await response.text();
    const body: unknown = text ? parse(text) : undefined;
    if (!response.ok) throw new ApiProblem(asProblem(body, response));
    return body as T;
  }

  get<K extends RouteName>(_route: K, path: string, signal?: AbortSignal): Promise<Answer<K>> {
    return this.call<Answer<K>>('GET', path, signal ? { signal } : {});
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function asProblem(body: unknown, response: Response): Problem {
  if (body && typeof body === 'object' && 'status' in body && 'title' in body) return body as Problem;
  return {
    title: response.statusText || 'Request failed',
    status: response.status,
    detail: typeof body === 'string' ? body.slice(0, 500) : undefined,
  };
}

/** A new Idempotency-Key per action (the API replays the first answer to a repeat with the same key). */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}

/** The operations the API offers (its OpenAPI document's operation ids, the route table's names). */
export async function availableRoutes(): Promise<Set<string>> {
  const response = await fetch('/api/v1/openapi.json');
  if (!response.ok) throw new ApiProblem(asProblem(await response.json().catch(() => undefined), response));
  const document = (await response.json()) as {
    paths: Record<string, Record<string, { operationId?: string }>>;
  };
  return new Set(
    Object.values(document.paths).flatMap((path) =>
      Object.values(path).flatMap((operation) => (operation.operationId ? [operation.operationId] : [])),
    ),
  );
}
