/**
 * What a probe of the webhook as an attacker and as a flaky network found, each pinned: no answer carries a host
 * key; a captured delivery cannot be replayed under another delivery id; every field is bounded by what the
 * systems downstream accept (400 for what can never succeed, never 503); Service Bus unreachable is a prompt 503
 * whose retry is accepted.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { type TenantRecord } from '../../../shared/domain/tenant';
import { onboardingStatusPath } from '../../../shared/onboarding/contract';
import { signDelivery, webhookHeaders } from '../../../shared/onboarding/webhook/signature';
import {
  instanceIdOf,
  type OnboardingWorld,
  orderFor,
  startOnboardingWorld,
} from '../../support/onboarding-world';

jest.setTimeout(120_000);

interface Delivery {
  body: string;
  deliveryId?: string;
  timestamp?: number;
  /** Sent as is instead of a signature made over this delivery. */
  signature?: string;
}

interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Record<string, string>;
  sent: Record<string, string>;
}

describe('autopilot webhook hardening', () => {
  let world: OnboardingWorld;
  let tenant: TenantRecord;
  const run = Math.random().toString(36).slice(2, 8);
  const answers: Answer[] = [];

  beforeAll(async () => {
    world = await startOnboardingWorld();
    tenant = await world.addTenant({ name: 'Alpine', deviceCount: 10, seats: { enabled: 50, consumed: 0 } });
  });

  // The local host's Service Bus trigger reconnects after the outage below with the SDK's default retries (30 s
  // apart), and stopping the host waits for it: this file's teardown takes over a minute.
  afterAll(async () => {
    await world.stop();
  }, 240_000);

  async function deliver(delivery: Delivery): Promise<Answer> {
    const timestamp = delivery.timestamp ?? Math.floor(Date.now() / 1000);
    const deliveryId = delivery.deliveryId ?? `hardening-${run}-${randomUUID()}`;
    const sent = {
      'content-type': 'application/json',
      [webhookHeaders.source]: 'autopilot',
      [webhookHeaders.delivery]: deliveryId,
      [webhookHeaders.timestamp]: String(timestamp),
      [webhookHeaders.signature]:
        delivery.signature ?? signDelivery(world.webhookSecret, timestamp, deliveryId, delivery.body),
    };
    const response = await fetch(`${world.host.baseUrl}/api/autopilot/webhook`, {
      method: 'POST',
      headers: sent,
      body: delivery.body,
    });
    const text = await response.text();
    const answer: Answer = {
      status: response.status,
      body: text ? JSON.parse(text) : undefined,
      text,
      headers: Object.fromEntries(response.headers.entries()),
      sent,
    };
    answers.push(answer);
    return answer;
  }

  function order(devices: { serial: string; upn?: string }[], orderId = `PO-${run}`) {
    const [upn] = world.unlicensedUsers(tenant.id, 1);
    return orderFor(
      tenant.id,
      orderId,
      devices.map((d) => ({ serial: d.serial, upn: d.upn ?? upn! })),
    );
  }

  it('answers 202 with each device’s instance id and the operator API’s route, not a Durable URL', async () => {
    const answer = await deliver({ body: JSON.stringify(order([{ serial: `ROUTE-${run}` }])) });
    expect(answer.status).toBe(202);
    const serial = `ROUTE-${run}`;
    expect(answer.body.devices).toEqual([
      {
        serialNumber: serial,
        instanceId: instanceIdOf(tenant.id, serial),
        statusUrl: `/api/v1/tenants/${tenant.id}/onboardings/${serial}`,
      },
    ]);
    expect(onboardingStatusPath(tenant.id, serial)).toBe(answer.body.devices[0].statusUrl);
  });

  it('refuses a captured delivery re-sent under a new or re-cased delivery id', async () => {
    const body = JSON.stringify(order([{ serial: `CAPTURED-${run}` }]));
    const deliveryId = `captured-${run}-0001`;
    const original = await deliver({ body, deliveryId });
    expect(original.status).toBe(202);
    const signature = original.sent[webhookHeaders.signature];
    const timestamp = Number(original.sent[webhookHeaders.timestamp]);

    // The attacker has the bytes, the timestamp and the signature, but not the secret.
    for (const replayId of [`captured-${run}-0002`, deliveryId.toUpperCase()])
      expect((await deliver({ body, deliveryId: replayId, timestamp, signature })).status).toBe(401);
    // The sender itself re-casing an id it used: one delivery, refused as a replay.
    expect((await deliver({ body, deliveryId: deliveryId.toUpperCase() })).status).toBe(401);
  });

  it('refuses with 400 what downstream systems would never accept, and takes in long serials', async () => {
    const slash = await deliver({ body: JSON.stringify(order([{ serial: `SN/${run}` }])) });
    expect(slash.status).toBe(400);
    expect(slash.body.errors.map((e: { field: string }) => e.field)).toEqual(['devices.0.serialNumber']);

    const longUpn = `${'a'.repeat(120)}@${world.unlicensedUsers(tenant.id, 1)[0]!.split('@')[1]}`;
    const upn = await deliver({ body: JSON.stringify(order([{ serial: `UPN-${run}`, upn: longUpn }])) });
    expect(upn.status).toBe(400);
    expect(upn.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'devices.0.assignedUserPrincipalName',
    ]);

    // 100 characters: too long for `onboard:{tenant}:{serial}` in Durable and in a Service Bus message id.
    const long = `LONG-${run}-`.toUpperCase().padEnd(100, 'X');
    const accepted = await deliver({ body: JSON.stringify(order([{ serial: long }])) });
    expect(accepted.status).toBe(202);
    const id = instanceIdOf(tenant.id, long);
    expect(id.length).toBeLessThanOrEqual(100);
    expect(accepted.body.devices[0].instanceId).toBe(id);
    const done = await world.waitForInstances([id]);
    expect(done.get(id)?.output).toMatchObject({ status: 'onboarded' });
  });

  it('refuses control characters in an order id, and takes an upper-cased tenant id as the tenant', async () => {
    const forged = await deliver({
      body: JSON.stringify(
        order([{ serial: `FORGED-${run}` }], 'PO-1\r\n[error] forged log line\u0000\u001b'),
      ),
    });
    expect(forged.status).toBe(400);
    expect(forged.body.errors.map((e: { field: string }) => e.field)).toEqual(['orderId']);

    const upper = { ...order([{ serial: `UPPER-${run}` }]), tenantId: tenant.id.toUpperCase() };
    const answer = await deliver({ body: JSON.stringify(upper) });
    expect(answer.status).toBe(202);
    expect(answer.body.devices[0].instanceId).toBe(instanceIdOf(tenant.id, `UPPER-${run}`));
  });

  it('answers an order with 10,000 bad devices briefly: the first 50 problems and their count', async () => {
    const devices = Array.from({ length: 10_000 }, (_, i) => ({
      serialNumber: `BAD/${i}`,
      hardwareHash: 'not base64!',
      groupTag: 'MMD',
      assignedUserPrincipalName: 'nobody',
    }));
    const answer = await deliver({
      body: JSON.stringify({ tenantId: tenant.id, orderId: 'PO-BAD', devices }),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toHaveLength(50);
    expect(answer.body.errorCount).toBeGreaterThan(10_000);
    expect(answer.text.length).toBeLessThan(20_000);
  });

  it('answers 503 with Retry-After within seconds while Service Bus is down, and accepts the retry', async () => {
    const body = JSON.stringify(order([{ serial: `OUTAGE-${run}` }]));
    const deliveryId = `outage-${run}-0001`;
    // Unreachable as a dropped route is: the port takes connections and never answers (a refused connection would
    // fail fast anyway).
    await world.broker.stop();
    const sockets = new Set<Socket>();
    const blackHole = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => blackHole.listen(world.broker.port, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const answer = await Promise.race([
        deliver({ body, deliveryId }),
        new Promise<'no answer'>((resolve) => setTimeout(() => resolve('no answer'), 40_000)),
      ]);
      expect(answer).toMatchObject({ status: 503, headers: { 'retry-after': expect.any(String) } });
      expect(Date.now() - started).toBeLessThan(40_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackHole.close(resolve));
      await world.broker.restart();
    }
    // The claim was given back: the sender's retry of the same delivery id is taken in.
    let retry: Answer | undefined;
    for (let attempt = 0; attempt < 20 && retry?.status !== 202; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 500));
      retry = await deliver({ body, deliveryId });
    }
    expect(retry?.status).toBe(202);
  });

  it('never names a host key in any answer', async () => {
    // An unauthenticated answer and a refused one, besides the answers above.
    await deliver({ body: '{}', signature: 'sha256=00' });
    await deliver({ body: '{"tenantId":' });
    const keys = Object.values(world.host.keys);
    expect(answers.length).toBeGreaterThanOrEqual(10);
    for (const answer of answers) {
      const said = `${answer.text}\n${JSON.stringify(answer.headers)}`;
      expect(said).not.toMatch(/code=/i);
      for (const key of keys) expect(said).not.toContain(key);
    }
  });
});
