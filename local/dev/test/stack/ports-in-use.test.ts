import { type Server, createServer } from 'node:net';
import { WallClock } from '@mds/platform-kit';
import { StackPortsInUseError, ephemeralPorts, startStack } from '../..';

async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { port: address.port, server };
}

describe('a second start while one runs', () => {
  it('names every stand-in whose port is taken', async () => {
    const held = await Promise.all([holdPort(), holdPort(), holdPort()]);
    const [cosmos, serviceBus, blob] = held.map((h) => h.port) as [number, number, number];
    try {
      const start = startStack({
        clock: new WallClock(),
        ports: { ...ephemeralPorts, cosmos, serviceBus, blob },
        withTenantSimulator: false,
      });
      await expect(start).rejects.toThrow(StackPortsInUseError);
      await expect(start).rejects.toThrow(
        new RegExp(
          `Cosmos DB stand-in \\(127\\.0\\.0\\.1:${cosmos}\\).*Service Bus stand-in \\(127\\.0\\.0\\.1:${serviceBus}\\)` +
            `.*Azurite \\(Blob\\) \\(127\\.0\\.0\\.1:${blob}\\)`,
        ),
      );
    } finally {
      for (const { server } of held) server.close();
    }
  });
});
