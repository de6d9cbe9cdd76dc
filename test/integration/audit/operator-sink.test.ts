import { type AuditWorld, sampleEvent, startAuditWorld } from '../../support/audit-world';

describe('audit port to the operator sink', () => {
  let world: AuditWorld;
  beforeAll(async () => {
    world = await startAuditWorld();
  });
  afterAll(async () => {
    await world.stop();
  });

  it('accepts an event through Service Bus and records it once, customer personal data pseudonymised', async () => {
    const tenantId = `tenant-${world.run}`;
    const event = sampleEvent({
      id: `e1-${world.run}`,
      tenantId,
      actor: { kind: 'operator', oid: 'oid-ada', displayName: 'Ada Operator' },
      target: {
        type: 'user',
        id: 'user-object-id-1',
        customerPersonal: {
          userPrincipalName: 'Zebedee.Quux@contoso.example',
          userDisplayName: 'Zebedee Quux',
        },
      },
    });
    await world.app.audit.port.record(event);
    await world.app.audit.port.record(event);
    const [record] = await world.waitForOperatorRecords(tenantId, [event.id]);
    expect(record.seq).toBe(1);
    expect(record.event.actor).toEqual({ kind: 'operator', oid: 'oid-ada', displayName: 'Ada Operator' });
    expect(JSON.stringify(record)).not.toMatch(/zebedee/i);
    expect(record.event.target.customerPersonal.userPrincipalName).toMatch(/^kh1:/);
  });
});
