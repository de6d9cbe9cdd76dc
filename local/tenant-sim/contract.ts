/**
 * The seam between the simulator's HTTP framework (server, Entra ID, OData, $batch, throttling, faults,
 * control API) and its resource model (tenants, fleet, device lifecycle, Graph and Defender resources).
 * The framework authenticates, throttles and parses; a route handler only reads and changes the model.
 */
import type { Clock } from '@mds/platform-kit';

export type ApiSurface = 'graph-v1.0' | 'graph-beta' | 'defender';

export interface SimRequest {
  method: string;
  surface: ApiSurface;
  /** Path below the surface's root, e.g. `/deviceManagement/managedDevices/abc` (no version segment). */
  path: string;
  /** Route parameters taken from the route's pattern, e.g. `{ id: 'abc' }`. */
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  headers: Record<string, string>;
  tenantId: string;
  appId: string;
  /** The scenario clock (device lifecycle follows it; throttling does not). */
  clock: Clock;
  /** Absolute base URL of this surface, for building `@odata.nextLink` and `Location` headers. */
  baseUrl: string;
}

export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface SimRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  surfaces: ApiSurface[];
  /** Path pattern with `{name}` segments; `{id}` also matches Graph's `('id')` key syntax. */
  pattern: string;
  /** Counted against the write limit (Intune: 100 writes per 20 s per app per tenant). */
  write: boolean;
  /** Application permissions, any one of which grants access (Graph `roles` claim). */
  permissions: string[];
  handler(request: SimRequest): SimResponse | Promise<SimResponse>;
}

/** A Graph/Defender error body, as the services write them. */
export function graphError(status: number, code: string, message: string): SimResponse {
  return {
    status,
    body: {
      error: {
        code,
        message,
        innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': cryptoRandomId() },
      },
    },
  };
}

function cryptoRandomId(): string {
  return globalThis.crypto.randomUUID();
}
