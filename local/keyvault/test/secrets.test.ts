import type { SecretClient } from '@azure/keyvault-secrets';
import { VirtualClock } from '@mds/platform-kit';
import { type TestVault, rejectionOf, startTestVault } from './support';

const start = Date.UTC(2026, 0, 5, 9, 0, 0);
const versionPattern = /^[0-9a-f]{32}$/;

describe('Key Vault stand-in: secrets through SecretClient', () => {
  const clock = new VirtualClock(start);
  let testVault: TestVault;
  let client: SecretClient;

  beforeAll(async () => {
    testVault = await startTestVault({ clock });
    client = testVault.client();
  });

  afterAll(async () => {
    await testVault.close();
  });

  it('sets a secret and returns its versioned id, attributes, tags and content type', async () => {
    const set = await client.setSecret('tenant-a-msadmin', 'p@ss-1', {
      contentType: 'text/plain',
      tags: { tenant: 'a', account: 'msadmin' },
    });

    expect(set.value).toBe('p@ss-1');
    expect(set.name).toBe('tenant-a-msadmin');
    expect(set.properties.version).toMatch(versionPattern);
    expect(set.properties.id).toBe(
      `${testVault.vault.url}/secrets/tenant-a-msadmin/${set.properties.version}`,
    );
    expect(set.properties.vaultUrl).toBe(testVault.vault.url);
    expect(set.properties).toMatchObject({
      enabled: true,
      contentType: 'text/plain',
      tags: { tenant: 'a', account: 'msadmin' },
      recoveryLevel: 'Recoverable+Purgeable',
      recoverableDays: 90,
    });
    expect(set.properties.createdOn).toEqual(new Date(start));
    expect(set.properties.updatedOn).toEqual(new Date(start));
  });

  it('gets the current version, and an older one by its version id', async () => {
    const first = await client.setSecret('rotating', 'one');
    await clock.advance(60_000);
    const second = await client.setSecret('rotating', 'two', { expiresOn: new Date(start + 86_400_000) });

    const current = await client.getSecret('rotating');
    expect(current.value).toBe('two');
    expect(current.properties.version).toBe(second.properties.version);
    expect(current.properties.expiresOn).toEqual(new Date(start + 86_400_000));
    expect(current.properties.createdOn).toEqual(new Date(start + 60_000));

    const old = await client.getSecret('rotating', { version: first.properties.version! });
    expect(old.value).toBe('one');
    expect(old.properties.version).toBe(first.properties.version);
    expect(old.properties.expiresOn).toBeUndefined();
  });

  it('treats names case-insensitively and keeps the casing they were created with', async () => {
    await client.setSecret('Graph-ClientSecret', 'v1');
    const read = await client.getSecret('graph-clientsecret');
    expect(read.value).toBe('v1');
    expect(read.name).toBe('Graph-ClientSecret');
  });

  it('updates tags, content type, expiry and enabled on one version, leaving the value alone', async () => {
    const created = await client.setSecret('updatable', 'value-1', { tags: { a: '1' } });
    await clock.advance(1000);
    const expiresOn = new Date(start + 30 * 86_400_000);

    const updated = await client.updateSecretProperties('updatable', created.properties.version!, {
      tags: { a: '2', b: '3' },
      contentType: 'application/json',
      expiresOn,
    });

    expect(updated.tags).toEqual({ a: '2', b: '3' });
    expect(updated.contentType).toBe('application/json');
    expect(updated.expiresOn).toEqual(expiresOn);
    expect(updated.enabled).toBe(true);
    expect(updated.updatedOn!.getTime()).toBeGreaterThan(updated.createdOn!.getTime());
    const read = await client.getSecret('updatable');
    expect(read.value).toBe('value-1');
    expect(read.properties.tags).toEqual({ a: '2', b: '3' });
  });

  it('answers 403 Forbidden / SecretDisabled for a disabled secret, and serves it again once enabled', async () => {
    const created = await client.setSecret('disable-me', 'hidden');
    await client.updateSecretProperties('disable-me', created.properties.version!, { enabled: false });

    const error = await rejectionOf(client.getSecret('disable-me'));
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('Forbidden');
    expect(error.message).toBe('Operation get is not allowed on a disabled secret.');
    expect(error.details).toMatchObject({ error: { innerError: { code: 'SecretDisabled' } } });
    const byVersion = await rejectionOf(
      client.getSecret('disable-me', { version: created.properties.version! }),
    );
    expect(byVersion.statusCode).toBe(403);

    await client.updateSecretProperties('disable-me', created.properties.version!, { enabled: true });
    expect((await client.getSecret('disable-me')).value).toBe('hidden');
  });

  it('answers 404 SecretNotFound for an unknown name, an unknown version, and an update of either', async () => {
    const missing = await rejectionOf(client.getSecret('does-not-exist'));
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe('SecretNotFound');

    await client.setSecret('known', 'x');
    const unknownVersion = await rejectionOf(client.getSecret('known', { version: '0'.repeat(32) }));
    expect(unknownVersion.statusCode).toBe(404);
    expect(unknownVersion.code).toBe('SecretNotFound');

    const update = await rejectionOf(
      client.updateSecretProperties('does-not-exist', '0'.repeat(32), { enabled: true }),
    );
    expect(update.statusCode).toBe(404);
    expect(update.code).toBe('SecretNotFound');
  });

  it('answers 400 BadParameter for malformed names', async () => {
    for (const name of ['bad_name', 'a'.repeat(128), 'has.dot']) {
      const error = await rejectionOf(client.setSecret(name, 'x'));
      expect(error.statusCode).toBe(400);
      expect(error.code).toBe('BadParameter');
    }
    const read = await rejectionOf(client.getSecret('bad_name'));
    expect(read.statusCode).toBe(400);
    expect((await client.setSecret('a'.repeat(127), 'longest name')).value).toBe('longest name');
  });

  it('refuses a value over the 25 KiB limit with 400 BadParameter', async () => {
    const error = await rejectionOf(client.setSecret('too-big', 'x'.repeat(25 * 1024 + 1)));
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('BadParameter');
  });
});
