import { type AuditWorld, sampleEvent, startAuditWorld } from '../../support/audit-world';

describe('audit trail in both environments', () => {
  let world: AuditWorld;
  beforeAll(async () => {
    world = await startAuditWorld();
  });
  afterAll(async () => {
    await world.stop();
  });

  it('each sink holds its own environment in clear and the other only keyed', async () => {
    const tenant = await world.addTenant('Wolfhall');
    const event = sampleEvent({
      id: `both-${world.run}`,
      tenantId: tenant.id,
      action: 'tenant.suspend',
      actor: { kind: 'operator', oid: 'oid-thomas-cromwell', displayName: 'Thomas Cromwell' },
      target: {
        type: 'device',
        id: 'SERIAL-WH-1',
        customerPersonal: {
          userPrincipalName: 'anne.boleyn@wolfhall.example',
          userDisplayName: 'Anne Boleyn',
          deviceName: 'HEVER-CASTLE-PC',
        },
      },
    });
    await world.app.audit.port.record(event);
    const [operatorRecord] = await world.waitForOperatorRecords(tenant.id, [event.id]);
    const customer = await world.waitForCustomerRecords(tenant.id, [event.id]);
    expect(customer).toHaveLength(1);
    const customerText = JSON.stringify(customer);
    const operatorText = JSON.stringify(operatorRecord);
    expect(customerText).toMatch(/anne\.boleyn@wolfhall\.example/);
    expect(customerText).toMatch(/HEVER-CASTLE-PC/);
    expect(customerText).not.toMatch(/cromwell/i);
    expect(operatorText).toMatch(/Thomas Cromwell/);
    expect(operatorText).not.toMatch(/boleyn|hever/i);
    expect(customer[0]!.event.actor).toEqual({ kind: 'operator', oid: expect.stringMatching(/^kh1:/) });
    // Different keys: the operator's alias in the customer sink is not the operator sink's pseudonym of anything.
    expect(operatorText).not.toContain((customer[0]!.event.actor as { oid: string }).oid);
  });
});
