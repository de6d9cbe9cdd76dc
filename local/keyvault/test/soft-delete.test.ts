import type { SecretClient } from '@azure/keyvault-secrets';
import { VirtualClock } from '@mds/platform-kit';
import { type TestVault, rejectionOf, startTestVault } from './support';

const start = Date.UTC(2026, 0, 5, 9, 0, 0);
const day = 24 * 3600 * 1000;
// The SDK's pollers wait 2 s between polls unless told otherwise.
const fastPolling = { intervalInMs: 5 };

describe('Key Vault stand-in: soft delete, recover, purge', () => {
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

  async function deleteSecret(name: string): Promise<void> {
    const poller = await client.beginDeleteSecret(name, fastPolling);
    await poller.pollUntilDone();
  }

  it('deletes through the poller and serves the deleted secret with its recovery data', async () => {
    const created = await client.setSecret('to-delete', 'gone soon', { tags: { t: '1' } });

    const poller = await client.beginDeleteSecret('to-delete', fastPolling);
    const deleted = await poller.pollUntilDone();

    expect(deleted.name).toBe('to-delete');
    expect(deleted.value).toBeUndefined();
    expect(deleted.recoveryId).toBe(`${testVault.vault.url}/deletedsecrets/to-delete`);
    expect(deleted.deletedOn).toEqual(new Date(clock.now()));
    expect(deleted.scheduledPurgeDate).toEqual(new Date(clock.now() + 90 * day));
    expect(deleted.properties.version).toBe(created.properties.version);
    expect(deleted.properties.tags).toEqual({ t: '1' });

    const read = await client.getDeletedSecret('to-delete');
    expect(read.recoveryId).toBe(deleted.recoveryId);
    const gone = await rejectionOf(client.getSecret('to-delete'));
    expect(gone.statusCode).toBe(404);
    expect(gone.code).toBe('SecretNotFound');
  });

  it('lists deleted secrets and leaves them out of the live list', async () => {
    await client.setSecret('listed-deleted', 'x');
    await deleteSecret('listed-deleted');

    const deletedNames: string[] = [];
    for await (const d of client.listDeletedSecrets()) deletedNames.push(d.name);
    expect(deletedNames).toContain('listed-deleted');
    const liveNames: string[] = [];
    for await (const p of client.listPropertiesOfSecrets()) liveNames.push(p.name);
    expect(liveNames).not.toContain('listed-deleted');
  });

  it('pages the deleted list', async () => {
    for (const i of [1, 2, 3]) {
      await client.setSecret(`paged-deleted-${i}`, 'x');
      await deleteSecret(`paged-deleted-${i}`);
    }
    const sizes: number[] = [];
    let total = 0;
    for await (const page of client.listDeletedSecrets().byPage({ maxPageSize: 2 })) {
      sizes.push(page.length);
      total += page.length;
    }
    expect(sizes.every((s) => s <= 2)).toBe(true);
    expect(sizes.length).toBe(Math.ceil(total / 2));
    expect(total).toBeGreaterThanOrEqual(3);
  });

  it('answers 409 Conflict when a soft-deleted name is set again', async () => {
    await client.setSecret('in-limbo', 'x');
    await deleteSecret('in-limbo');

    const error = await rejectionOf(client.setSecret('in-limbo', 'y'));
    expect(error.statusCode).toBe(409);
    expect(error.code).toBe('Conflict');
    expect(error.details).toMatchObject({ error: { innerError: { code: 'ObjectIsDeletedButRecoverable' } } });
  });

  it('recovers through the poller with every version and value back', async () => {
    const first = await client.setSecret('recover-me', 'v1');
    await client.setSecret('recover-me', 'v2');
    await deleteSecret('recover-me');

    const poller = await client.beginRecoverDeletedSecret('recover-me', fastPolling);
    const recovered = await poller.pollUntilDone();

    expect(recovered.name).toBe('recover-me');
    expect((await client.getSecret('recover-me')).value).toBe('v2');
    expect((await client.getSecret('recover-me', { version: first.properties.version! })).value).toBe('v1');
    const missing = await rejectionOf(client.getDeletedSecret('recover-me'));
    expect(missing.statusCode).toBe(404);
  });

  it('purges a deleted secret for good, freeing its name', async () => {
    await client.setSecret('purge-me', 'old');
    await deleteSecret('purge-me');

    await client.purgeDeletedSecret('purge-me');

    const error = await rejectionOf(client.getDeletedSecret('purge-me'));
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('SecretNotFound');
    await client.setSecret('purge-me', 'new');
    const versions: string[] = [];
    for await (const v of client.listPropertiesOfSecretVersions('purge-me')) versions.push(v.version!);
    expect(versions).toHaveLength(1);
  });

  it('answers 404 for deleting, purging or recovering what is not there', async () => {
    const del = await rejectionOf(client.beginDeleteSecret('never-existed', fastPolling));
    expect(del.statusCode).toBe(404);
    expect(del.code).toBe('SecretNotFound');
    const purge = await rejectionOf(client.purgeDeletedSecret('never-existed'));
    expect(purge.statusCode).toBe(404);
    const recover = await rejectionOf(client.beginRecoverDeletedSecret('never-existed', fastPolling));
    expect(recover.statusCode).toBe(404);
  });

  it('purges by itself when the retention period ends', async () => {
    await client.setSecret('expiring-retention', 'x');
    await deleteSecret('expiring-retention');

    await clock.advance(89 * day);
    expect((await client.getDeletedSecret('expiring-retention')).name).toBe('expiring-retention');

    await clock.advance(day);
    const error = await rejectionOf(client.getDeletedSecret('expiring-retention'));
    expect(error.statusCode).toBe(404);
    expect((await client.setSecret('expiring-retention', 'reborn')).value).toBe('reborn');
  });
});
