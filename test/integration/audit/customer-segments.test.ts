import { signCheckpoint } from '../../../shared/audit/chain';
import { CustomerSink } from '../../../shared/audit/customer-sink';
import { type AuditWorld, sampleEvent, startAuditWorld } from '../../support/audit-world';

describe('customer sink segments', () => {
  let world: AuditWorld;
  beforeAll(async () => {
    world = await startAuditWorld();
  });
  afterAll(async () => {
    await world.stop();
  });

  it('continues the chain across append-blob segments and finds an old event in earlier segments by its time', async () => {
    const tenant = await world.addTenant('Segmented');
    const signer = async (body: Parameters<typeof signCheckpoint>[0]) =>
      signCheckpoint(body, await world.app.audit.keys.signingKey());
    const sink = () =>
      new CustomerSink(world.app.audit.customerContainer, signer, Date.now, { segmentBytes: 2_000 });
    const writer = sink();
    const events = Array.from({ length: 12 }, (_, i) => ({
      ...sampleEvent({ id: `seg-${world.run}-${i}`, tenantId: tenant.id }),
      id: `seg-${world.run}-${i}`,
    }));
    for (const e of events) expect(await writer.append(tenant.id, e)).toBe('appended');
    // A new process knows only the last segments from their records; an older event makes it read back to its time.
    const fresh = sink();
    expect(await fresh.append(tenant.id, events[0]!)).toBe('duplicate');
    expect(await fresh.append(tenant.id, events[11]!)).toBe('duplicate');
    const blobs: string[] = [];
    const { container } = await world.app.audit.customerContainer(tenant.id);
    for await (const b of container.listBlobsFlat({ prefix: 'records/' })) blobs.push(b.name);
    expect(blobs.length).toBeGreaterThan(2);
    const report = await world.app.audit.verify(tenant.id);
    expect(report.customer).toMatchObject({ ok: true, records: 12, lastSeq: 12 });
  });
});
