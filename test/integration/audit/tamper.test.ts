import { type ChainRecord } from '../../../shared/audit/chain';
import { customerSinkLayout } from '../../../shared/audit/customer-sink';
import { customerAuditAdmin } from '@mds/dev';
import { type AuditWorld, sampleEvent, startAuditWorld } from '../../support/audit-world';
import { customerAuditStorage } from '../../support/stack';
import { stackOperatorToken } from '../../support/operator-world';

/** Edits, deletions and reorderings of single records, in each sink, each found by the verifier at that record. */
describe('audit verifier', () => {
  let world: AuditWorld;
  beforeAll(async () => {
    world = await startAuditWorld();
  });
  afterAll(async () => {
    await world.stop();
  });

  /** A tenant whose chain holds `count` records in both sinks. */
  async function chainOf(name: string, count = 6): Promise<string> {
    const tenant = await world.addTenant(name);
    const ids = Array.from({ length: count }, (_, i) => `${name}-${world.run}-${i + 1}`);
    // One by one, so that each record has its own position and the test knows it.
    for (const id of ids) {
      await world.app.audit.port.record(
        sampleEvent({
          id,
          tenantId: tenant.id,
          target: { type: 'device', id: `SER-${id}`, customerPersonal: { deviceName: `PC-${id}` } },
        }),
      );
      await world.waitForOperatorRecords(tenant.id, [id]);
      await world.waitForCustomerRecords(tenant.id, [id]);
    }
    return tenant.id;
  }

  async function rewriteCustomerSegment(
    tenantId: string,
    edit: (lines: string[]) => string[],
  ): Promise<void> {
    const tenant = await world.app.tenants.get(tenantId);
    const container = customerAuditAdmin(customerAuditStorage()).getContainerClient(
      tenant.auditSink!.container,
    );
    const blob = container.getAppendBlobClient(customerSinkLayout.segmentName(0));
    const lines = (await blob.downloadToBuffer()).toString('utf8').split('\n').filter(Boolean);
    const text = `${edit(lines).join('\n')}\n`;
    // As someone with the account key could where no WORM policy stops them.
    await blob.delete();
    await blob.create();
    await blob.appendBlock(text, Buffer.byteLength(text));
  }

  async function operatorRecord(tenantId: string, seq: number): Promise<ChainRecord & { id: string }> {
    const { resources } = await world.auditContainer.items
      .query({
        query: "SELECT * FROM c WHERE c.chain = @c AND c.kind = 'record' AND c.seq = @s",
        parameters: [
          { name: '@c', value: tenantId },
          { name: '@s', value: seq },
        ],
      })
      .fetchAll();
    return resources[0];
  }

  it('finds an intact chain intact in both sinks, over HTTP', async () => {
    const tenantId = await chainOf('intact', 3);
    const response = await fetch(
      `${world.host.baseUrl}/api/v1/audit/verify?tenantId=${encodeURIComponent(tenantId)}`,
      { headers: { authorization: `Bearer ${await stackOperatorToken('auditor')}` } },
    );
    expect(response.status).toBe(200);
    const report: any = await response.json();
    expect(report).toMatchObject({
      ok: true,
      operator: { ok: true, records: 3, lastSeq: 3 },
      customer: { ok: true, records: 3, lastSeq: 3 },
    });
    expect(report.operator.checkpoints).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${world.host.baseUrl}/api/v1/audit/verify?tenantId=x`)).status).toBe(401);
  });

  it('operator sink: an edited record is reported at that record', async () => {
    const tenantId = await chainOf('op-edit');
    const record = await operatorRecord(tenantId, 4);
    (record.event as any).outcome = 'failed';
    await world.auditContainer.item(record.id, tenantId).replace(record);
    const { operator } = await world.app.audit.verify(tenantId);
    expect(operator.problem).toMatchObject({ kind: 'altered', seq: 4, eventId: record.id });
  });

  it('operator sink: an edited record with its hash recomputed is still reported at that record', async () => {
    const tenantId = await chainOf('op-rehash');
    const { recordHash } = await import('../../../shared/audit/chain');
    const record = await operatorRecord(tenantId, 3);
    (record.event as any).outcome = 'refused';
    record.hash = recordHash(record);
    await world.auditContainer.item(record.id, tenantId).replace(record);
    const { operator } = await world.app.audit.verify(tenantId);
    expect(operator.problem).toMatchObject({ kind: 'altered', seq: 3, eventId: record.id });
  });

  it('operator sink: a deleted record is reported where it is missing', async () => {
    const tenantId = await chainOf('op-delete');
    const record = await operatorRecord(tenantId, 2);
    await world.auditContainer.item(record.id, tenantId).delete();
    const { operator } = await world.app.audit.verify(tenantId);
    expect(operator.problem).toMatchObject({ kind: 'removed', seq: 3 });
    expect(operator.problem!.detail).toMatch(/expected record 2/);
  });

  it('operator sink: two records that swapped places are reported at the first', async () => {
    const tenantId = await chainOf('op-swap');
    const [a, b] = [await operatorRecord(tenantId, 3), await operatorRecord(tenantId, 4)];
    await world.auditContainer.item(a.id, tenantId).replace({ ...a, seq: 4 });
    await world.auditContainer.item(b.id, tenantId).replace({ ...b, seq: 3 });
    const { operator } = await world.app.audit.verify(tenantId);
    expect(operator.problem).toMatchObject({ kind: 'altered', seq: 3, eventId: b.id });
  });

  it('operator sink: the last records cut off are reported as truncated', async () => {
    const tenantId = await chainOf('op-truncate');
    await world.auditContainer.item((await operatorRecord(tenantId, 6)).id, tenantId).delete();
    const { operator } = await world.app.audit.verify(tenantId);
    expect(operator.problem).toMatchObject({ kind: 'truncated', seq: 6 });
  });

  it('customer sink: an edited line is reported at that record', async () => {
    const tenantId = await chainOf('cu-edit');
    await rewriteCustomerSegment(tenantId, (lines) =>
      lines.map((line, i) => (i === 2 ? line.replace('"outcome":"succeeded"', '"outcome":"failed"') : line)),
    );
    const { customer, operator } = await world.app.audit.verify(tenantId);
    expect(operator.ok).toBe(true);
    expect(customer!.problem).toMatchObject({ kind: 'altered', position: 2, seq: 3 });
  });

  it('customer sink: a removed line is reported where it is missing', async () => {
    const tenantId = await chainOf('cu-delete');
    await rewriteCustomerSegment(tenantId, (lines) => lines.filter((_, i) => i !== 1));
    const { customer } = await world.app.audit.verify(tenantId);
    expect(customer!.problem).toMatchObject({ kind: 'removed', position: 1, seq: 3 });
  });

  it('customer sink: two lines that swapped places are reported as reordered at the first', async () => {
    const tenantId = await chainOf('cu-swap');
    await rewriteCustomerSegment(tenantId, (lines) => [lines[0]!, lines[2]!, lines[1]!, ...lines.slice(3)]);
    const { customer } = await world.app.audit.verify(tenantId);
    expect(customer!.problem).toMatchObject({ kind: 'reordered', position: 1, seq: 3 });
  });
});
