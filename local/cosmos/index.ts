import type { AddressInfo } from 'node:net';
import { createHttpsServer } from '@vercel/cosmosdb-server';

/**
 * The Cosmos DB emulator's published account key. The stand-in does not check signatures at all; the app still
 * signs with a key so that it runs the same key-based code path as against the real emulator.
 */
export const COSMOS_EMULATOR_KEY =
  'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

export interface CosmosOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The stack's certificate: the package's bundled one expired in 2021. */
  cert: { cert: string; key: string };
}

export interface RunningCosmos {
  /** `https://host:port`, the account endpoint to give `CosmosClient`. */
  endpoint: string;
  port: number;
  key: string;
  stop(): Promise<void>;
}

/** Starts an in-memory Cosmos DB (NoSQL API) stand-in, `@vercel/cosmosdb-server`, over HTTPS. */
export async function startCosmos(options: CosmosOptions): Promise<RunningCosmos> {
  const host = options.host ?? '127.0.0.1';
  // Without keepAlive the server answers `connection: close`, so every request pays a TLS handshake: measured
  // about five times slower.
  const server = createHttpsServer({ cert: options.cert.cert, key: options.cert.key, keepAlive: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    key: COSMOS_EMULATOR_KEY,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Clients keep connections alive; close them so that close() can finish.
        server.closeAllConnections();
      }),
  };
}
