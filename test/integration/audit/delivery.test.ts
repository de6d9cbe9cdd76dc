import { type AuditEvent } from '../../../shared/audit/contract';
import { auditEventSchema } from '../../../shared/audit/event-schema';
import {
  auditMaxDeliveryCount,
  auditSubscriptionNames,
  operationsAlertsSubscriptionNames,
  topicNames,
} from '../../../shared/platform/declarations';
import { type AuditWorld, sampleEvent, startAuditWorld } from '../../support/audit-world';
import { customerAuditStorage } from '../../support/stack';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy';

jest.setTimeout(120_000);

describe('audit delivery', () => {
  let world: AuditWorld;
  let proxy: TcpProxy;
  beforeAll(async () => {
    world = await startAuditWorld();
    const blob = new URL(customerAuditStorage().blobEndpoint);
    proxy = await startTcpProxy({ host: blob.hostname, port: Number(blob.port) });
  });
  afterAll(async () => {
    await world.stop();
    await proxy.stop();
  });

  it('holds a tenant’s events while its sink is unreachable and delivers each once when it returns', async () => {
    const blob = new URL(customerAuditStorage().blobEndpoint);
    const tenant = await world.addTenant('Flaky', {
      blobServiceUri: `http://127.0.0.1:${proxy.port}${blob.pathname}`,
    });
    const event = (i: number): AuditEvent =>
      sampleEvent({
        id: `outage-${world.run}-${i}`,
        tenantId: tenant.id,
        target: { type: 'device', id: `S-${i}` },
      });
    await world.app.audit.port.record(event(0));
    await world.waitForCustomerRecords(tenant.id, [event(0).id]);

    await proxy.cut();
    const during = Array.from({ length: 20 }, (_, i) => event(i + 1));
    await Promise.all(during.map((e) => world.app.audit.port.record(e)));
    // The operator sink is not held back by the customer's.
    await world.waitForOperatorRecords(
      tenant.id,
      during.map((e) => e.id),
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(world.logs.some((l) => /could not reach the customer sink/.test(l.message))).toBe(true);
    await proxy.restore();
    const after = Array.from({ length: 5 }, (_, i) => event(i + 21));
    await Promise.all(after.map((e) => world.app.audit.port.record(e)));

    const all = [event(0), ...during, ...after].map((e) => e.id);
    const records = await world.waitForCustomerRecords(tenant.id, all, 60_000);
    const ids = records.map((r) => r.event.id);
    expect(ids.sort()).toEqual([...all].sort());
    const report = await world.app.audit.verify(tenant.id);
    expect(report).toMatchObject({
      ok: true,
      customer: { ok: true, lastSeq: 26 },
      operator: { ok: true, lastSeq: 26 },
    });
  });

  it('dead-letters a message that can never be delivered and raises an alert', async () => {
    const sender = world.serviceBus.createSender(topicNames.auditEvents);
    const alerts = world.serviceBus.createReceiver(
      topicNames.operationsAlerts,
      operationsAlertsSubscriptionNames.allAlerts,
    );
    const poison = { ...sampleEvent({ id: `poison-${world.run}` }), action: 'no.such.action' };
    expect(auditEventSchema.safeParse(poison).success).toBe(false);
    await sender.sendMessages({
      messageId: poison.id,
      subject: 'audit.event',
      body: poison,
      applicationProperties: { customerSink: false },
    });
    const [alert] = await alerts.receiveMessages(1, { maxWaitTimeInMs: 30_000 });
    expect(alert?.body).toMatchObject({
      type: 'audit.deliveryFailed',
      sink: 'operator',
      messageId: poison.id,
      deliveryCount: auditMaxDeliveryCount,
      errorCode: 'validation_failed',
    });
    await alerts.completeMessage(alert!);
    const deadLetters = world.serviceBus.createReceiver(
      topicNames.auditEvents,
      auditSubscriptionNames.operator,
      {
        subQueueType: 'deadLetter',
      },
    );
    const [dead] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 10_000 });
    expect(dead?.messageId).toBe(poison.id);
    expect(
      world.logs.some((l) => l.level === 'error' && l.message.includes(`Audit message ${poison.id}`)),
    ).toBe(true);
    await Promise.all([sender.close(), alerts.close(), deadLetters.close()]);
  });
});
