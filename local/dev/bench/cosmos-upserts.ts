import { randomUUID } from 'node:crypto';
import { DefaultAzureCredential } from '@azure/identity';
import { localCertificate, type Benchmark, type Measurement, timed } from '@mds/platform-kit';
import { startCosmos } from '../cosmos';
import { createCosmos } from '../../../shared/platform/cosmos/client';
import { trustedTls } from '../../../shared/platform/tls';

const count = 1000;
const tenants = 20;

/**
 * Device upserts through the app's own Cosmos client (HTTPS, keep-alive agent) against the stand-in: one at a time,
 * then 20 in flight, as a telemetry pull writes a page of devices.
 */
export const cosmosUpserts: Benchmark = {
  name: 'Cosmos upserts (stand-in over HTTPS)',
  run: async () => {
    const cert = await localCertificate();
    const cosmos = await startCosmos({ cert });
    const { client, database } = createCosmos(
      { COSMOS_ENDPOINT: cosmos.endpoint, COSMOS_KEY: cosmos.key, COSMOS_DATABASE: `bench-${randomUUID()}` },
      () => new DefaultAzureCredential(),
      trustedTls(cert.certPath),
    );
    try {
      await client.databases.create({ id: database.id });
      const { container } = await database.containers.create({
        id: 'devices',
        partitionKey: { paths: ['/tenantId'] },
      });
      const upsert = (run: string) => (i: number) =>
        container.items.upsert({
          id: `${run}-${i}`,
          tenantId: `tenant-${i % tenants}`,
          serialNumber: `SN${i}`,
          state: 'healthy',
          run,
        });
      await timed(100, 10, upsert('warmup'));
      const results: Measurement[] = [];
      for (const inFlight of [1, 20]) {
        const ms = await timed(count, inFlight, upsert(`in-flight-${inFlight}`));
        results.push({
          label: inFlight === 1 ? 'sequential' : `${inFlight} in flight`,
          operations: count,
          ms,
        });
      }
      return results;
    } finally {
      client.dispose();
      await cosmos.stop();
    }
  },
};
