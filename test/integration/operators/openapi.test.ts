/**
 * The OpenAPI document against what the host really serves under /api/v1 (no route missing or extra), validated by
 * @seriousme/openapi-schema-validator (an ES module, so it runs in a child Node process), and the docs page offline.
 */
import { execFile } from 'node:child_process';
import { eligible, newOid, type OperatorWorld, startOperatorWorld } from '../../support/operator-world';

jest.setTimeout(90_000);

function validate(document: unknown): Promise<{ valid: boolean; errors?: unknown }> {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    let input = '';
    process.stdin.on('data', (c) => (input += c));
    process.stdin.on('end', async () => {
      const result = await new Validator().validate(JSON.parse(input));
      process.stdout.write(JSON.stringify(result));
    });`;
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { cwd: process.cwd(), timeout: 30_000 },
      (error, stdout) =>
        error ? reject(new Error(error.message)) : resolve(JSON.parse(stdout) as { valid: boolean }),
    );
    child.stdin?.end(JSON.stringify(document));
  });
}

describe('operator API OpenAPI document', () => {
  let ow: OperatorWorld;
  let document: any;

  beforeAll(async () => {
    ow = await startOperatorWorld();
    const answer = await ow.call('GET', '/api/v1/openapi.json');
    expect(answer.status).toBe(200);
    document = answer.body;
  });

  afterAll(() => ow.stop());

  it('documents exactly the routes the host serves under /api/v1', () => {
    const served = ow.world.host.httpRoutes
      .filter((route) => route.route.startsWith('api/v1/'))
      .flatMap((route) => route.methods.map((method) => `${method} /${route.route.slice('api/v1/'.length)}`))
      .sort();
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    expect(documented).toEqual(served);
    expect(document.servers).toEqual([{ url: '/api/v1' }]);
    expect(served.length).toBeGreaterThanOrEqual(14);
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('names the role of every protected operation, and the request schemas are the handlers’ own', () => {
    expect(document.paths['/tenants'].get['x-required-role']).toBe('Fleet.Read');
    expect(document.paths['/tenants/{tenantId}/suspend'].post).toMatchObject({
      'x-required-role': 'Tenants.Manage',
      'x-requires-mfa': true,
      security: [{ entraId: [] }],
    });
    expect(document.paths['/openapi.json'].get.security).toEqual([]);
    const start = document.paths['/tenants/{tenantId}/onboardings'].post;
    expect(start.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'idempotency-key', in: 'header', required: true }),
      ]),
    );
    const devices = start.requestBody.content['application/json'].schema.properties.devices;
    expect(devices).toMatchObject({ type: 'array', minItems: 1, maxItems: 500 });
    const pageSize = document.paths['/tenants/{tenantId}/devices'].get.parameters.find(
      (p: { name: string }) => p.name === 'pageSize',
    );
    expect(pageSize).toMatchObject({ in: 'query', required: false, schema: { maximum: 500 } });
  });

  it('serves a readable page of it, with everything inline and a strict content security policy', async () => {
    const page = await ow.call('GET', '/api/v1/docs');
    expect(page.status).toBe(200);
    expect(page.contentType).toMatch(/^text\/html/);
    expect(page.text).toContain('SwaggerUIBundle');
    expect(page.text).toContain("url: './openapi.json'");
    expect(page.text).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'sha256-/);
  });

  it('needs no token for the document, and a good token changes nothing', async () => {
    const persona = {
      name: 'docs',
      oid: newOid(),
      roles: [],
      amr: ['pwd'],
      record: eligible('all'),
    } as const;
    await ow.register({ ...persona, roles: [] });
    const answer = await ow.call('GET', '/api/v1/openapi.json', {
      token: ow.token({ ...persona, roles: [] }),
    });
    expect(answer.status).toBe(200);
  });
});
