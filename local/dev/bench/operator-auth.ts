import { join } from 'node:path';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { type HostHandle, startHost } from '@mds/functions-host';
import { type Benchmark, type Measurement, timed, WallClock } from '@mds/platform-kit';
import { startStack } from '../stack';
import { tokenRequest } from '../stack/operators';
import { composition, resetComposition } from '../../../shared/composition';
import { type Caller, operatorEndpoint } from '../../../shared/operators/endpoint';
import { operatorRoutes } from '../../../shared/operators/routes';

const requests = 1600;
const warmup = 150;
const inFlight = 8;
/** Variants alternate in rounds, so that drift of a loaded machine spreads over all of them. */
const rounds = 2;

/**
 * What authentication costs: `GET /api/v1/tenants` through the endpoint pipeline with a valid token (jose signature
 * check, registry read, role and scope) against the same handler called without it, side by side in one process on
 * the local stack (both read the same tenants and device counts from Cosmos). The token is reused, as a client
 * reuses it for its hour. A third line goes through the local host over HTTP, for scale.
 */
export const operatorAuthentication: Benchmark = {
  name: `Operator API authentication: GET /api/v1/tenants, ${requests} requests, ${inFlight} in flight`,
  run: async () => {
    const stack = await startStack({ clock: new WallClock(), ports: 'ephemeral' });
    let host: HostHandle | undefined;
    try {
      const sim = stack.tenantSimulator;
      const lead = stack.operators.find((o) => o.handle === 'lead');
      if (!sim || !lead) throw new Error('the stack started without its simulator or operators');
      host = await startHost({
        entry: join(__dirname, '..', '..', '..', 'functions', 'index.js'),
        appRoot: join(__dirname, '..', '..', '..', '..'),
        settings: stack.settings,
        log: () => undefined,
      });
      const token = sim.control.issueOperatorToken(tokenRequest(lead, stack.settings));
      const { operators } = composition();
      const url = `${host.baseUrl}/api/v1/tenants`;
      const request = () =>
        new HttpRequest({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      const context = () => new InvocationContext({ functionName: 'bench', logHandler: () => undefined });
      const caller: Caller = {
        principal: { oid: lead.oid, roles: lead.roles, amr: lead.amr, acrs: [] },
        operator: await operators.registry.find(lead.oid),
        ineligibleBecause: [],
        scope: lead.tenants,
      };
      const authOnly = operatorEndpoint(
        operatorRoutes.listTenants,
        {
          verifier: operators.verifier,
          operators: operators.registry,
          audit: composition().audit.port,
          privilegedContext: 'c1',
          now: () => new Date(),
        },
        () => Promise.resolve({ status: 200 }),
      );
      const check = (status: number | undefined) => {
        if (status !== 200) throw new Error(`GET /api/v1/tenants answered ${status}`);
      };
      const variants: { label: string; once: () => Promise<void> }[] = [
        {
          label: 'handler, no auth',
          once: async () =>
            check(
              (
                await operators.implementations.listTenants({
                  request: request(),
                  context: context(),
                  caller,
                  params: undefined,
                  query: undefined,
                  headers: undefined,
                  body: undefined,
                })
              ).status,
            ),
        },
        {
          label: 'handler + auth',
          once: async () => check((await operators.routes.listTenants(request(), context())).status),
        },
        {
          // The pipeline around a handler that does nothing: what authentication costs per request by itself.
          label: 'auth, empty handler',
          once: async () => check((await authOnly(request(), context())).status),
        },
        {
          label: 'host over HTTP',
          once: async () => {
            const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
            await response.arrayBuffer();
            check(response.status);
          },
        },
      ];
      for (const variant of variants) await timed(warmup, inFlight, variant.once);
      const totals = variants.map(() => 0);
      // Each round starts with another variant, so that no variant always follows the same one.
      for (let round = 0; round < rounds * variants.length; round++)
        for (let k = 0; k < variants.length; k++) {
          const i = (round + k) % variants.length;
          const variant = variants[i];
          if (variant)
            totals[i] =
              (totals[i] ?? 0) +
              (await timed(Math.round(requests / (rounds * variants.length)), inFlight, variant.once));
        }
      return variants.map(
        (variant, i): Measurement => ({
          label: variant.label,
          operations: requests,
          ms: totals[i] ?? 0,
          ...(i === 1
            ? {
                details: `vs the bare handler: ${(((totals[1] ?? 0) / (totals[0] ?? 1) - 1) * 100).toFixed(1)} % of its time (noise included)`,
              }
            : i === 2
              ? { details: `${((totals[2] ?? 0) / requests).toFixed(3)} ms of wall time per request` }
              : {}),
        }),
      );
    } finally {
      await host?.stop();
      await resetComposition();
      await stack.stop();
    }
  },
};
