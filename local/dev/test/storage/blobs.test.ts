import { randomUUID } from 'node:crypto';
import { blobContainers } from '../../../../shared/platform/declarations';
import { stackStorage } from './support';

const { blobs } = stackStorage();
/** A container of the test's own: the app declares its containers when a capability first uses one. */
const testContainer = blobs.getContainerClient(`storage-test-${randomUUID()}`);

beforeAll(async () => {
  await testContainer.create();
});

afterAll(async () => {
  await testContainer.delete();
});

describe('Blob storage through the real SDK against Azurite', () => {
  it('has the containers the app declares', async () => {
    const names: string[] = [];
    for await (const container of blobs.listContainers()) names.push(container.name);
    expect(names).toEqual(expect.arrayContaining(Object.values<string>(blobContainers)));
  });

  it('uploads, downloads and lists blobs by prefix', async () => {
    const container = testContainer;
    const prefix = `tenant-${randomUUID()}/devices/`;
    const snapshot = JSON.stringify({ pulledAt: '2026-01-05T09:00:00Z', devices: [{ serial: 'SN1' }] });
    await container
      .getBlockBlobClient(`${prefix}2026-01-05T0900.json`)
      .upload(snapshot, Buffer.byteLength(snapshot), {
        blobHTTPHeaders: { blobContentType: 'application/json' },
        metadata: { source: 'managedDevices' },
      });
    await container.getBlockBlobClient(`${prefix}2026-01-05T1000.json`).upload('{}', 2);

    const downloaded = await container.getBlobClient(`${prefix}2026-01-05T0900.json`).downloadToBuffer();
    expect(JSON.parse(downloaded.toString('utf8'))).toEqual(JSON.parse(snapshot));

    const listed: { name: string; contentType?: string; source?: string }[] = [];
    for await (const blob of container.listBlobsFlat({ prefix, includeMetadata: true })) {
      listed.push({
        name: blob.name.slice(prefix.length),
        contentType: blob.properties.contentType,
        source: blob.metadata?.source,
      });
    }
    expect(listed).toEqual([
      { name: '2026-01-05T0900.json', contentType: 'application/json', source: 'managedDevices' },
      { name: '2026-01-05T1000.json', contentType: 'application/octet-stream', source: undefined },
    ]);
  });

  it('refuses to overwrite a blob written by someone else when asked not to', async () => {
    const blob = testContainer.getBlockBlobClient(`race/${randomUUID()}.json`);
    await blob.upload('first', 5, { conditions: { ifNoneMatch: '*' } });
    await expect(blob.upload('second', 6, { conditions: { ifNoneMatch: '*' } })).rejects.toMatchObject({
      statusCode: 409,
    });
    expect((await blob.downloadToBuffer()).toString()).toBe('first');
  });
});
