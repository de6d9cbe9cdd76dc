import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Server as TlsServer } from 'node:tls';

export interface ListenOptions {
  /** What listens, for the error when the port is taken, e.g. `Key Vault stand-in`. */
  name: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
}

export interface Listening {
  readonly port: number;
  /** The host as a URL authority: IPv6 addresses in brackets. */
  readonly authority: string;
  /** `http(s)://authority:port`, by the kind of server. */
  readonly origin: string;
  /** Stops accepting and drops idle keep-alive connections, so that closing finishes. Idempotent. */
  close(): Promise<void>;
}

/** A port that another process already holds; names what wanted it, so that a start failure says which part. */
export class PortInUseError extends Error {
  constructor(
    readonly serviceName: string,
    readonly host: string,
    readonly port: number,
  ) {
    super(`${serviceName}: port ${port} on ${host} is already in use.`);
    this.name = 'PortInUseError';
  }
}

/** Listens on `host:port` and resolves once bound; a taken port rejects with a `PortInUseError` naming `name`. */
export async function listen(server: HttpServer | HttpsServer, options: ListenOptions): Promise<Listening> {
  const host = options.host ?? '127.0.0.1';
  const wanted = options.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException): void => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(options.name, host, wanted) : error);
    };
    server.once('error', fail);
    server.listen(wanted, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const authority = host.includes(':') ? `[${host}]` : host;
  const scheme = server instanceof TlsServer ? 'https' : 'http';
  let closing: Promise<void> | undefined;
  return {
    port,
    authority,
    origin: `${scheme}://${authority}:${port}`,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Clients keep connections alive; close them so that close() can finish.
        server.closeAllConnections();
      })),
  };
}
