import { type TokenCredential } from '@azure/core-auth';
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  type HttpClient,
  type HttpMethods,
  type Pipeline,
  type PipelineRequest,
  retryPolicy,
} from '@azure/core-rest-pipeline';
import { DependencyRejectedError, DependencyUnavailableError } from '../../errors';
import { pipelineTls, type TlsOptions } from '../tls';
import { redactedPath, redactText, toAppError } from './api-errors';
import { repeatableByMethod, retryAfterMs, transientRetryStrategy, type RetryTuning } from './retry-strategy';

export interface ApiClientOptions {
  /** Names the service in errors and logs: `graph` or `defender`. */
  dependency: string;
  /** Root of the service, e.g. `https://graph.microsoft.com`; request paths carry the version (`/v1.0/...`). */
  baseUrl: string;
  credential: TokenCredential;
  scope: string;
  /** Shared by every client of one tenant and service, so one tenant cannot flood a service. */
  limiter: Limiter;
  /** Told of every 429 the service answers (retried or not), with the wait it asked for. */
  onThrottled?: (retryAfterMs: number | undefined) => void;
  tuning: RetryTuning;
  maxRetries: number;
  timeoutMs: number;
  /** Extra CA to trust (the local stand-ins' certificate); production leaves it unset. */
  tlsOptions?: TlsOptions;
  httpClient?: HttpClient;
}

/** Runs a call when a slot is free (p-limit's shape, or a lane over it). */
export type Limiter = <T>(call: () => Promise<T>) => Promise<T>;

export interface ApiResponse<T> {
  status: number;
  body: T;
  headers: Record<string, string>;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /**
   * Whether sending the request twice is harmless, so a failure that leaves it unknown whether it was applied may
   * be retried here. Default: every method but POST. Declare a POST repeatable when a second one changes nothing.
   */
  repeatable?: boolean;
  /**
   * `false`: no retry inside the call, not even after a 429; the caller comes back later on its own schedule (the
   * tenant watcher's next round) instead of holding a worker while it sleeps. Default: retry transient failures.
   */
  retries?: boolean;
}

/** A page of an OData collection. */
export interface ODataPage<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

/**
 * A JSON client for one service and one tenant: bearer tokens from the tenant's credential (cached and refreshed by
 * the pipeline), retries by core-rest-pipeline's loop with our strategy, a bounded number of calls in flight, and
 * every failure translated to the app's typed errors.
 */
export class ApiClient {
  private readonly pipeline: Pipeline;
  private readonly httpClient: HttpClient;
  /** What callers declared about repeating their requests, for the retry strategy to read. */
  private readonly declaredRepeatable = new WeakMap<PipelineRequest, boolean>();
  private readonly withoutRetries = new WeakSet<PipelineRequest>();

  constructor(private readonly options: ApiClientOptions) {
    this.pipeline = createPipelineFromOptions({
      ...pipelineTls(options.tlsOptions),
      userAgentOptions: { userAgentPrefix: 'managed-desktop-security' },
    });
    this.pipeline.removePolicy({ name: 'defaultRetryPolicy' });
    this.pipeline.addPolicy(
      retryPolicy(
        [
          transientRetryStrategy(
            options.tuning,
            (request) => this.declaredRepeatable.get(request) ?? repeatableByMethod(request),
            (request) => !this.withoutRetries.has(request),
          ),
        ],
        { maxRetries: options.maxRetries },
      ),
      {
        phase: 'Retry',
      },
    );
    const onThrottled = options.onThrottled;
    if (onThrottled) {
      // Below the retry policy, so that each attempt's 429 is seen, not only the last one.
      this.pipeline.addPolicy(
        {
          name: 'throttleObserver',
          sendRequest: async (request, next) => {
            const response = await next(request);
            if (response.status === 429) onThrottled(retryAfterMs(response.headers));
            return response;
          },
        },
        { afterPhase: 'Retry' },
      );
    }
    this.pipeline.addPolicy(
      bearerTokenAuthenticationPolicy({ credential: options.credential, scopes: [options.scope] }),
      {
        phase: 'Sign',
      },
    );
    this.httpClient = options.httpClient ?? createDefaultHttpClient();
  }

  get<T>(path: string, options?: RequestOptions): Promise<ApiResponse<T>> {
    return this.send<T>('GET', path, options);
  }

  post<T>(path: string, body?: unknown, options?: RequestOptions): Promise<ApiResponse<T>> {
    return this.send<T>('POST', path, { ...options, body });
  }

  patch<T>(path: string, body: unknown, options?: RequestOptions): Promise<ApiResponse<T>> {
    return this.send<T>('PATCH', path, { ...options, body });
  }

  delete(path: string, options?: RequestOptions): Promise<ApiResponse<unknown>> {
    return this.send('DELETE', path, options);
  }

  /** Every page of a collection, following `@odata.nextLink` verbatim as the services require. */
  async *pages<T>(path: string, options?: RequestOptions): AsyncGenerator<T[]> {
    let next: string | undefined = path;
    while (next) {
      const page: ApiResponse<ODataPage<T>> = await this.get<ODataPage<T>>(next, options);
      yield page.body.value;
      next = page.body['@odata.nextLink'];
    }
  }

  async listAll<T>(path: string, options?: RequestOptions): Promise<T[]> {
    const all: T[] = [];
    for await (const page of this.pages<T>(path, options)) all.push(...page);
    return all;
  }

  /**
   * A path under the base URL, or an absolute URL (a `@odata.nextLink`) only on the service's own origin: the
   * tenant's bearer token goes to no other host, whatever a response names.
   */
  private resolve(pathOrUrl: string): string {
    const base = new URL(this.options.baseUrl);
    if (!/^[a-z][a-z0-9+.-]*:/i.test(pathOrUrl) && !pathOrUrl.startsWith('//'))
      return `${this.options.baseUrl.replace(/\/$/, '')}${pathOrUrl}`;
    const target = new URL(pathOrUrl);
    if (target.origin !== base.origin)
      throw new DependencyRejectedError(
        `${this.options.dependency} named a link to another host (${target.protocol}//${target.host}); it is not followed.`,
        this.options.dependency,
        0,
      );
    return target.href;
  }

  async send<T>(
    method: HttpMethods,
    pathOrUrl: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const url = this.resolve(pathOrUrl);
    const headers = createHttpHeaders({ accept: 'application/json', ...options.headers });
    if (options.body !== undefined) headers.set('content-type', 'application/json');
    const request = createPipelineRequest({
      url,
      method,
      headers,
      timeout: this.options.timeoutMs,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { abortSignal: options.signal } : {}),
    });
    if (options.repeatable !== undefined) this.declaredRepeatable.set(request, options.repeatable);
    if (options.retries === false) this.withoutRetries.add(request);
    const response = await this.options.limiter(async () => {
      try {
        return await this.pipeline.sendRequest(this.httpClient, request);
      } catch (error) {
        throw new DependencyUnavailableError(
          `${this.options.dependency} ${method} ${redactedPath(new URL(url).pathname)} failed: ${redactText((error as Error).message)}`,
          this.options.dependency,
          { cause: error },
        );
      }
    });
    const body = parseBody(response.bodyAsText);
    if (response.status >= 400) {
      const waited = retryAfterMs(response.headers);
      throw toAppError({
        dependency: this.options.dependency,
        method,
        path: new URL(url).pathname,
        status: response.status,
        body,
        ...(waited === undefined ? {} : { retryAfterMs: waited }),
      });
    }
    return { status: response.status, body: body as T, headers: response.headers.toJSON() };
  }
}

function parseBody(text: string | undefined | null): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
