import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { consoleHandler } from '../../../../shared/console/assets';

const settings = {
  authority: 'https://login.example/0f0e0d0c-0b0a-4000-8000-000000000001',
  clientId: '9b0b8a6e-2b5a-4a52-9d0e-0c1c2f3a4d5e',
  apiScope: 'api://mds/access_as_user',
  privilegedContext: 'c1',
};

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'console-assets-'));
  await mkdir(join(root, 'assets'));
  await writeFile(join(root, 'index.html'), '<!doctype html><title>console</title>');
  await writeFile(join(root, 'assets/index-AbCd1234.js'), 'console.log(1)');
  await writeFile(join(root, 'robots.txt'), 'User-agent: *');
});

afterAll(() => rm(root, { recursive: true, force: true }));

async function get(path: string, handlerRoot = root, headers: Record<string, string> = {}) {
  const handler = consoleHandler(handlerRoot, settings);
  const response = await handler(
    new HttpRequest({
      url: `http://localhost:7071/console/${path}`,
      method: 'GET',
      params: { path },
      headers,
    }),
    new InvocationContext({ logHandler: () => undefined }),
  );
  const headerMap = new Headers(response.headers as Record<string, string>);
  const body = response.body === undefined ? undefined : Buffer.from(response.body as Buffer).toString();
  return { status: response.status ?? 200, headers: headerMap, body, json: response.jsonBody };
}

describe('the console’s static files', () => {
  it('serves hashed assets as immutable and index.html revalidated, with the page’s security headers', async () => {
    const asset = await get('assets/index-AbCd1234.js');
    expect(asset).toMatchObject({ status: 200, body: 'console.log(1)' });
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const index = await get('');
    expect(index.body).toContain('<title>console</title>');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(index.headers.get('content-security-policy')).toContain(
      "connect-src 'self' https://login.example",
    );
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await get('robots.txt')).headers.get('cache-control')).toBe('no-cache');
  });

  it('answers 304 to a matching ETag', async () => {
    const first = await get('');
    const again = await get('', root, { 'if-none-match': first.headers.get('etag') ?? '' });
    expect(again.status).toBe(304);
    expect(again.body).toBeUndefined();
  });

  it('answers the app for the console’s own paths, and 404 for a file that is not there', async () => {
    const deep = await get('tenants/0f0e0d0c-0b0a-4000-8000-000000000002/devices/ABC');
    expect(deep.body).toContain('<title>console</title>');
    const missing = await get('assets/gone-ZZZZ9999.js');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ code: 'not_found' });
    // Paths are looked up among the built files only: nothing outside the folder is ever read.
    expect((await get('../package.json')).status).toBe(404);
  });

  it('serves the sign-in settings, never cached', async () => {
    const config = await get('config.json');
    expect(JSON.parse(config.body ?? '')).toEqual(settings);
    expect(config.headers.get('cache-control')).toBe('no-store');
  });

  it('says how to build the console when it is not built', async () => {
    const unbuilt = await get('', join(root, 'nothing-here'));
    expect(unbuilt.status).toBe(404);
    expect(unbuilt.json.detail).toContain('npm run build');
  });
});
