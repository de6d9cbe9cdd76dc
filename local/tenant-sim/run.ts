/**
 * The simulator as `npm start` (or `node dist/local/tenant-sim/run.js`) runs it: wall time, the demo tenants,
 * and a short guide on the console. Secrets are never printed: they come from the control API.
 */
import { type Clock, WallClock, localCertificate } from '@mds/platform-kit';
import { type TenantSimHandle, startTenantSimulator } from './index';
import { SimWorld, seedDemoTenants } from './model';

export interface RunOptions {
  /** Default 0 (a free port); `TENANT_SIM_PORT` when run directly. */
  port?: number;
  host?: string;
  clock?: Clock;
  /** Where the stack's certificate lives (default `.local/certs`). */
  certDir?: string;
  /** Devices in the demo tenant. */
  deviceCount?: number;
  /** Where the guide goes (default console.log). */
  print?: (line: string) => void;
}

export async function runTenantSimulator(options: RunOptions = {}): Promise<TenantSimHandle> {
  const cert = await localCertificate(options.certDir);
  const clock = options.clock ?? new WallClock();
  const world = new SimWorld(clock);
  seedDemoTenants(world, { deviceCount: options.deviceCount });
  const sim = await startTenantSimulator({ cert, clock, world, port: options.port, host: options.host });
  const print = options.print ?? ((line: string) => console.log(line));
  for (const line of usage(sim, cert.certPath)) print(line);
  return sim;
}

function usage(sim: TenantSimHandle, certPath: string): string[] {
  const curl = `curl --cacert ${certPath}`;
  return [
    `Tenant simulator (Entra ID, Graph, Defender for Endpoint) at ${sim.url}`,
    `  authority host  ${sim.authorityHost}   (@azure/identity: authorityHost + disableInstanceDiscovery: true + agent trusting the cert)`,
    `  Graph           ${sim.graphUrl}/v1.0   ${sim.graphUrl}/beta`,
    `  Defender        ${sim.defenderUrl}/api`,
    `  certificate     ${certPath}   (trust it as a CA; never disable TLS checks)`,
    '  tenants:',
    ...sim.world
      .tenants()
      .map(
        (tenant) =>
          `    ${tenant.id}  ${tenant.displayName} (${tenant.domain})  app client ids: ${tenant.apps.map((app) => app.clientId).join(', ')}`,
      ),
    `  app secrets      ${curl} ${sim.url}/_sim/tenants`,
    `  operator token   ${curl} -X POST ${sim.url}/_sim/tokens/operator -H 'content-type: application/json' \\`,
    `                     -d '{"tenantId":"<operator tenant>","oid":"<guid>","upn":"ops@example.com","name":"Ops","roles":["<role>"],"audience":"<operator API audience>"}'`,
    `  JWKS             ${sim.jwksUri()}   (operator token issuer: ${sim.issuer('<tenantId>')})`,
    `  control API      ${curl} ${sim.url}/_sim   (faults, throttling, counters, clock; loopback only, no auth)`,
  ];
}

if (require.main === module) {
  const port = Number(process.env.TENANT_SIM_PORT ?? 0);
  runTenantSimulator({ port }).then(
    (sim) => {
      const stop = (): void => void sim.stop().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error: unknown) => {
      console.error('tenant simulator failed to start:', error);
      process.exit(1);
    },
  );
}
