/**
 * `@odata.nextLink` is followed verbatim, as the services require, but only on the service's own origin: a page that
 * names another host does not get the tenant's bearer token sent there.
 */
import { createServer, type Server } from 'node:https';
import { type AddressInfo } from 'node:net';
import { type AccessToken, type TokenCredential } from '@azure/core-auth';
import pLimit from 'p-limit';
import { localCertificate } from '@mds/platform-kit';
import { DependencyRejectedError } from '../../../shared/errors';
import { ApiClient } from '../../../shared/platform/graph/api-client';

const token: TokenCredential = {
  getToken: (): Promise<AccessToken> =>
    Promise.resolve({ token: 'tenant-bearer-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

describe('ApiClient paging', () => {
  const seen: { server: string; path: string; authorization?: string }[] = [];
  let graph: Server;
  let elsewhere: Server;
  let ca: string;

  const origin = (server: Server) => `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  beforeAll(async () => {
    const cert = await localCertificate();
    ca = cert.cert;
    const serve = (name: string, pages: (path: string) => unknown) =>
      createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
        seen.push({ server: name, path: req.url ?? '', authorization: req.headers.authorization });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(pages(req.url ?? '')));
      });
    elsewhere = serve('elsewhere', () => ({ value: [{ id: 'stolen' }] }));
    graph = serve('graph', (path) =>
      path.startsWith('/v1.0/same')
        ? path.includes('page=2')
          ? { value: [{ id: 'b' }] }
          : { value: [{ id: 'a' }], '@odata.nextLink': `${origin(graph)}/v1.0/same?page=2` }
        : { value: [{ id: 'a' }], '@odata.nextLink': `${origin(elsewhere)}/v1.0/other?page=2` },
    );
    await Promise.all([graph, elsewhere].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  });

  afterAll(async () => {
    await Promise.all([graph, elsewhere].map((s) => new Promise((r) => s.close(r))));
  });

  function client(): ApiClient {
    return new ApiClient({
      dependency: 'graph',
      baseUrl: origin(graph),
      credential: token,
      scope: 'https://graph.microsoft.com/.default',
      limiter: pLimit(2),
      tuning: { baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 },
      maxRetries: 0,
      timeoutMs: 5_000,
      tlsOptions: { ca: [ca] },
    });
  }

  it('follows a next link on its own origin', async () => {
    expect(await client().listAll<{ id: string }>('/v1.0/same')).toEqual([{ id: 'a' }, { id: 'b' }]);
  });

  it('refuses a next link to another host and sends it nothing', async () => {
    await expect(client().listAll('/v1.0/devices')).rejects.toBeInstanceOf(DependencyRejectedError);
    expect(seen.filter((s) => s.server === 'elsewhere')).toEqual([]);
    expect(
      seen.filter((s) => s.server === 'graph').every((s) => s.authorization === 'Bearer tenant-bearer-token'),
    ).toBe(true);
  });
});
