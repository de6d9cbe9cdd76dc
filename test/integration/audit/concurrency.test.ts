import { signCheckpoint } from '../../../shared/audit/chain';
import { CustomerSink } from '../../../shared/audit/customer-sink';
import { OperatorSink } from '../../../shared/audit/operator-sink';
import { composition, resetComposition } from '../../../shared/composition';
import { type AuditWorld, sampleEvent, startAuditWorld } from '../../support/audit-world';
import { customerRecords, operatorRecords } from '../../support/audit-sinks';

jest.setTimeout(120_000);

/**
 * Writers as separate processes would be: each with its own sink objects and caches, so nothing in memory
 * serialises them and only the sinks' conditional writes keep the chain straight.
 */
describe('50 concurrent writers on one chain', () => {
  let world: AuditWorld;
  beforeAll(async () => {
    world = await startAuditWorld();
  });
  afterAll(async () => {
    await world.stop();
    await resetComposition();
  });

  it('fork neither sink and lose no record', async () => {
    const app = composition();
    const tenant = await world.addTenant('Crowded');
    const signer = async (body: Parameters<typeof signCheckpoint>[0]) =>
      signCheckpoint(body, await app.audit.keys.signingKey());
    const writers = Array.from({ length: 50 }, () => ({
      operator: new OperatorSink(app.platform.container('audit'), signer),
      customer: new CustomerSink(app.audit.customerContainer, signer),
    }));
    const perWriter = 2;
    const ids: string[] = [];
    await Promise.all(
      writers.map(async (writer, w) => {
        for (let i = 0; i < perWriter; i++) {
          const id = `crowd-${world.run}-${w}-${i}`;
          ids.push(id);
          const event = { ...sampleEvent({ id, tenantId: tenant.id }), id };
          // The same event from two writers at once: recorded once.
          const twin = writers[(w + 1) % writers.length]!;
          await Promise.all([
            writer.operator.append(tenant.id, event),
            writer.customer.append(tenant.id, event),
            twin.operator.append(tenant.id, event),
            twin.customer.append(tenant.id, event),
          ]);
        }
      }),
    );
    for (const records of [await operatorRecords(app, tenant.id), await customerRecords(app, tenant.id)]) {
      expect(records.map((r) => r.seq)).toEqual(ids.map((_, i) => i + 1));
      expect(records.map((r) => r.event.id).sort()).toEqual([...ids].sort());
      for (let i = 1; i < records.length; i++) expect(records[i]!.prevHash).toBe(records[i - 1]!.hash);
    }
    const report = await app.audit.verify(tenant.id);
    expect(report.operator).toMatchObject({ ok: true, lastSeq: ids.length });
    expect(report.customer).toMatchObject({ ok: true, lastSeq: ids.length });
  });
});
