import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { type Clock, WallClock, listen } from '@mds/platform-kit';
import {
  type BearerCheck,
  type KeyVaultAuthOptions,
  LOCAL_KEY_VAULT_TENANT_ID,
  bearerCheck,
  challengeHeader,
} from './auth';
import { KeyVaultError, badParameter } from './errors';
import { matchRoute } from './routes';
import { SecretStore } from './secret-store';

export interface KeyVaultOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  cert: { cert: string; key: string };
  /** Stamps created/updated/deleted times and runs the purge at the end of retention. Default: wall time. */
  clock?: Clock;
  /** The tenant the challenge names. Default `LOCAL_KEY_VAULT_TENANT_ID`. */
  tenantId?: string;
  /** Soft-delete retention. Default 90, as on a new vault. */
  recoverableDays?: number;
  auth?: KeyVaultAuthOptions;
}

export interface RunningKeyVault {
  /** `https://host:port`, the vault URL to give `SecretClient`. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

// Far above the 25 KiB value limit; only guards against runaway bodies.
const maxBodyBytes = 1024 * 1024;

/** Starts an in-memory Key Vault (secrets only) that the real `SecretClient` talks to over HTTPS. */
export async function startKeyVault(options: KeyVaultOptions): Promise<RunningKeyVault> {
  const clock = options.clock ?? new WallClock();
  const tenantId = options.tenantId ?? LOCAL_KEY_VAULT_TENANT_ID;
  const host = options.host ?? '127.0.0.1';
  const store = new SecretStore(clock, options.recoverableDays ?? 90);
  const checkBearer = bearerCheck(options.auth ?? {}, tenantId, clock);
  const authority = host.includes(':') ? `[${host}]` : host;

  const server = createServer({ cert: options.cert.cert, key: options.cert.key }, (req, res) => {
    void handle(req, res, { store, checkBearer, tenantId, fallbackHost: authority });
  });
  const listening = await listen(server, { name: 'Key Vault stand-in', host, port: options.port });

  return {
    url: listening.origin,
    port: listening.port,
    stop: async () => {
      store.close();
      await listening.close();
    },
  };
}

interface Handling {
  store: SecretStore;
  checkBearer: BearerCheck;
  tenantId: string;
  fallbackHost: string;
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Handling): Promise<void> {
  try {
    // As on the real service, authentication comes before anything else: the SDK's first, token-less
    // request (sent without its body) must get the challenge whatever it asks for.
    await ctx.checkBearer(req.headers.authorization);
    const base = `https://${req.headers.host ?? ctx.fallbackHost}`;
    const url = new URL(req.url ?? '/', base);
    if (!url.searchParams.get('api-version'))
      throw badParameter("The 'api-version' query parameter is required.");
    const route = matchRoute(req.method ?? 'GET', pathSegments(url.pathname));
    const body = route.hasBody ? await readJson(req) : undefined;
    const result = route.handle({ store: ctx.store, params: route.params, body, url, base });
    send(res, result.status, result.body);
  } catch (error) {
    if (error instanceof KeyVaultError) {
      const headers: Record<string, string> =
        error.status === 401 ? { 'www-authenticate': challengeHeader(ctx.tenantId) } : {};
      send(res, error.status, error.toBody(), headers);
      return;
    }
    console.error('key vault stand-in: unexpected error', error);
    send(
      res,
      500,
      new KeyVaultError(500, 'InternalServerError', 'Unexpected error in the stand-in.').toBody(),
    );
  }
}

function pathSegments(pathname: string): string[] {
  try {
    return pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    throw badParameter('The request URI is not valid.');
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw badParameter('The request body is too large.');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.length === 0) throw badParameter('The request body is required.');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badParameter('The request body is not valid JSON.');
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'x-ms-request-id': randomUUID(),
    ...(payload ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
