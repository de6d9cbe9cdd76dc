import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { listen as listenOn } from '@mds/platform-kit';
import type { LogSink } from '../logger';
import { sendProblem } from './responses';

export interface Listener {
  readonly port: number;
  close(): Promise<void>;
}

/** An HTTP server on a loopback address; closing it also drops idle keep-alive connections. */
export async function listen(
  name: string,
  host: string,
  port: number,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Listener> {
  const listening = await listenOn(createServer(handler), { name, host, port });
  return { port: listening.port, close: () => listening.close() };
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

/**
 * Parses the URL once and turns anything a handler throws into a logged 500 problem, so one bad request
 * can neither crash the host nor hang the client.
 */
export function guardedHandler(
  handler: RequestHandler,
  log: LogSink,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    } catch {
      sendProblem(res, 400, 'Malformed request URL or Host header.');
      return;
    }
    handler(req, res, url).catch((error: unknown) => {
      log({
        level: 'error',
        category: 'host',
        message: `Request ${req.method ?? ''} ${url.pathname} failed`,
        error,
      });
      if (res.headersSent) res.destroy();
      else
        sendProblem(res, 500, 'The host failed to handle the request; see the host log.', {
          instance: url.pathname,
        });
    });
  };
}
