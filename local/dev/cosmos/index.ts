import { listen } from '@mds/platform-kit';
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
  const listening = await listen(server, { name: 'Cosmos DB stand-in', host, port: options.port });
  return {
    endpoint: listening.origin,
    port: listening.port,
    key: COSMOS_EMULATOR_KEY,
    stop: () => listening.close(),
  };
}
