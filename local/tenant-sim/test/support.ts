import { Agent, request } from 'node:https';
import { temporaryCertificate } from '@mds/platform-kit';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the answer is JSON, else the text; tests read deep into it, so it is untyped. */
  body: any;
}

/**
 * A plain HTTPS client that trusts exactly the simulator's certificate (keep-alive, like an SDK).
 * Tests use it for what an SDK would not send: no token, malformed queries, control calls.
 */
export class SimHttp {
  readonly agent: Agent;

  constructor(ca: string, maxSockets = 8) {
    this.agent = new Agent({ ca, keepAlive: true, maxSockets });
  }

  send(
    method: string,
    url: string,
    init: { token?: string; headers?: Record<string, string>; body?: unknown; form?: URLSearchParams } = {},
  ): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let payload: string | undefined;
    if (init.form) {
      payload = init.form.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (init.body !== undefined) {
      payload = JSON.stringify(init.body);
      headers['content-type'] = 'application/json';
    }
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const isJson = String(res.headers['content-type'] ?? '').includes('json');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: isJson && text ? JSON.parse(text) : text,
          });
        });
        res.on('error', reject);
      });
      req.setTimeout(20_000, () => req.destroy(new Error(`${method} ${url} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  get(url: string, token?: string): Promise<HttpAnswer> {
    return this.send('GET', url, { token });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * A certificate of the test's own: test files run in parallel workers, and sharing the stack's
 * certificate directory would race its first creation.
 */
export function testCertificate(): ReturnType<typeof temporaryCertificate> {
  return temporaryCertificate('tenant-sim-');
}
