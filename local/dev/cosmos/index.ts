import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type Server } from 'node:https';
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
  /**
   * The region the account answers as its write and read location (`GET /`, what the SDK's
   * `getDatabaseAccount()` reads), as a real account names its regions. Default the package's own, South Central US.
   */
  region?: string;
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
  if (options.region !== undefined) answerRegion(server, options.region);
  const listening = await listen(server, { name: 'Cosmos DB stand-in', host, port: options.port });
  return {
    endpoint: listening.origin,
    port: listening.port,
    key: COSMOS_EMULATOR_KEY,
    stop: () => listening.close(),
  };
}

/**
 * Rewrites the account document the server answers on `GET /` so that its locations carry `region`. The server
 * writes every answer with one `res.end(json)`, so the account's answer is rewritten there, endpoints untouched.
 */
function answerRegion(server: Server, region: string): void {
  const [handler] = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  if (!handler) throw new Error('the Cosmos stand-in has no request handler');
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' && (req.url === '/' || req.url === '')) {
      const end = res.end.bind(res) as (body: string) => ServerResponse;
      res.end = ((body: unknown) => {
        const account = JSON.parse(String(body)) as Record<string, unknown>;
        for (const key of ['writableLocations', 'readableLocations'])
          account[key] = (account[key] as { name: string }[]).map((location) => ({
            ...location,
            name: region,
          }));
        return end(JSON.stringify(account));
      }) as typeof res.end;
    }
    handler(req, res);
  });
}
