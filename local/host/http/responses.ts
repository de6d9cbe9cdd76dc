import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';

/** RFC 7807 problem details, the shape every error the host itself produces takes. */
export function sendProblem(
  res: ServerResponse,
  status: number,
  detail: string,
  options: { instance?: string; headers?: Record<string, string> } = {},
): void {
  const body = {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    instance: options.instance,
  };
  res.writeHead(status, { ...options.headers, 'content-type': 'application/problem+json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}

/** Reads the raw request body; bytes are kept exactly as sent (webhooks sign them). */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

/** Key from the `x-functions-key` header or the `code` query parameter, as the real host accepts it. */
export function presentedKey(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers['x-functions-key'];
  return (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('code') ?? undefined;
}
