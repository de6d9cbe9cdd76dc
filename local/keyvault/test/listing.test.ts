import type { SecretClient } from '@azure/keyvault-secrets';
import { LOCAL_KEY_VAULT_TOKEN } from '..';
import { type TestVault, rawRequest, rejectionOf, startTestVault } from './support';

async function pageSizes<T>(pages: AsyncIterable<T[]>): Promise<number[]> {
  const sizes: number[] = [];
  for await (const page of pages) sizes.push(page.length);
  return sizes;
}

describe('Key Vault stand-in: listing with nextLink paging', () => {
  let testVault: TestVault;
  let client: SecretClient;
  const names = Array.from({ length: 30 }, (_, i) => `list-${String(i).padStart(2, '0')}`);

  beforeAll(async () => {
    testVault = await startTestVault();
    client = testVault.client();
    for (const name of names) await client.setSecret(name, `value of ${name}`, { tags: { n: name } });
    for (const value of ['v2', 'v3']) await client.setSecret('list-00', value);
  });

  afterAll(async () => {
    await testVault.close();
  });

  it('lists every secret once, in name order, across pages of the requested size', async () => {
    const listed: string[] = [];
    const sizes: number[] = [];
    for await (const page of client.listPropertiesOfSecrets().byPage({ maxPageSize: 7 })) {
      sizes.push(page.length);
      listed.push(...page.map((p) => p.name));
    }
    expect(sizes).toEqual([7, 7, 7, 7, 2]);
    expect(listed).toEqual(names);
  });

  it('pages by 25 when no size is asked for, and lists the current version of each', async () => {
    expect(await pageSizes(client.listPropertiesOfSecrets().byPage())).toEqual([25, 5]);
    const all = [];
    for await (const properties of client.listPropertiesOfSecrets()) all.push(properties);
    expect(all).toHaveLength(30);
    expect(all[1]).toMatchObject({
      name: 'list-01',
      tags: { n: 'list-01' },
      enabled: true,
      version: undefined,
    });
    // Tags belong to a version: list-00's current version was set without any.
    expect(all[0]!.tags).toBeUndefined();
  });

  it('lists the versions of a secret, oldest first, each with its own id', async () => {
    const versions = [];
    const sizes: number[] = [];
    for await (const page of client.listPropertiesOfSecretVersions('list-00').byPage({ maxPageSize: 2 })) {
      sizes.push(page.length);
      versions.push(...page);
    }
    expect(sizes).toEqual([2, 1]);
    expect(new Set(versions.map((v) => v.version)).size).toBe(3);
    for (const v of versions) expect(v.id).toBe(`${testVault.vault.url}/secrets/list-00/${v.version}`);
    const current = await client.getSecret('list-00');
    expect(versions[2]!.version).toBe(current.properties.version);
  });

  it('lists no versions for an unknown name', async () => {
    expect(await pageSizes(client.listPropertiesOfSecretVersions('never-set').byPage())).toEqual([0]);
  });

  it('refuses a page size above 25 with 400 BadParameter', async () => {
    const error = await rejectionOf(client.listPropertiesOfSecrets().byPage({ maxPageSize: 26 }).next());
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('BadParameter');
  });

  it('puts no values on the wire of a list, and ids without a version', async () => {
    const response = await rawRequest(
      `${testVault.vault.url}/secrets?api-version=2025-07-01&maxresults=3`,
      testVault.ca,
      {
        headers: { authorization: `Bearer ${LOCAL_KEY_VAULT_TOKEN}` },
      },
    );
    expect(response.status).toBe(200);
    const body = response.body as { value: Record<string, unknown>[]; nextLink: string };
    expect(body.value).toHaveLength(3);
    for (const item of body.value) {
      expect(item).not.toHaveProperty('value');
      expect(item.id).toMatch(/\/secrets\/list-\d\d$/);
    }
    expect(new URL(body.nextLink).searchParams.get('maxresults')).toBe('3');
    expect(new URL(body.nextLink).searchParams.get('api-version')).toBe('2025-07-01');
  });
});
