/**
 * Calls route handlers directly, as the framework would after authentication: the path goes through the
 * framework's router, the handler gets a SimRequest for the tenant, and the response comes back as is.
 */
import { VirtualClock } from '@mds/platform-kit';
import { type ApiSurface, type SimResponse } from '../../contract';
import { SimWorld, type SimTenant } from '../../model';
import { allRoutes } from '../../routes';
import { Router } from '../../router';

export const minute = 60_000;
export const hour = 60 * minute;
export const day = 24 * hour;

export interface CallOptions {
  surface?: ApiSurface;
  query?: Record<string, string>;
  body?: unknown;
}

export interface Harness {
  world: SimWorld;
  clock: VirtualClock;
  call(tenant: SimTenant, method: string, path: string, options?: CallOptions): Promise<SimResponse>;
  /** A call that must succeed with `status`; returns the body. */
  expectOk<T = Record<string, unknown>>(
    tenant: SimTenant,
    method: string,
    path: string,
    options?: CallOptions,
    status?: number,
  ): Promise<T>;
  advance(ms: number): Promise<void>;
}

export function harness(clock = new VirtualClock()): Harness {
  const world = new SimWorld(clock);
  const router = new Router(allRoutes(world));
  const call = async (
    tenant: SimTenant,
    method: string,
    path: string,
    options: CallOptions = {},
  ): Promise<SimResponse> => {
    const surface = options.surface ?? 'graph-v1.0';
    const match = router.match(surface, method, path);
    if (match.kind !== 'found') throw new Error(`no route for ${method} ${surface} ${path} (${match.kind})`);
    const root =
      surface === 'defender' ? 'defender/api' : surface === 'graph-beta' ? 'graph/beta' : 'graph/v1.0';
    return match.route.handler({
      method,
      surface,
      path,
      params: match.params,
      query: new URLSearchParams(options.query ?? {}),
      body: options.body,
      headers: {},
      tenantId: tenant.id,
      appId: tenant.apps[0]?.clientId ?? 'test-app',
      clock,
      baseUrl: `https://127.0.0.1:8443/${root}`,
    });
  };
  return {
    world,
    clock,
    call,
    async expectOk<T>(
      tenant: SimTenant,
      method: string,
      path: string,
      options: CallOptions = {},
      status = method === 'POST' ? 201 : 200,
    ): Promise<T> {
      const response = await call(tenant, method, path, options);
      if (response.status !== status)
        throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
      return response.body as T;
    },
    advance: (ms) => clock.advance(ms),
  };
}

/** A hardware hash as the import API takes it (base64). */
export function hardwareHash(serial: string): string {
  return Buffer.from(`T0FBAA${serial}`.repeat(8)).toString('base64');
}

export function errorOf(response: SimResponse): {
  code: string;
  message: string;
  target?: string;
  innerError?: unknown;
} {
  return (
    response.body as { error: { code: string; message: string; target?: string; innerError?: unknown } }
  ).error;
}

/** A small tenant for lifecycle tests. */
export function smallTenant(h: Harness, name = 'contoso', devices = 20): SimTenant {
  return h.world.createTenant({
    displayName: name,
    domain: `${name}.onmicrosoft.com`,
    seed: name,
    deviceCount: devices,
    e5: { enabled: devices + 10, consumed: Math.floor(devices / 2) },
    apps: [{ permissions: ['DeviceManagementManagedDevices.Read.All'] }],
  });
}
