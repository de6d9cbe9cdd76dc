/**
 * Every delivery the Autopilot webhook refuses is answered with RFC 7807 problem details and starts nothing: no
 * queued order, no orchestration, no call into the customer's tenant. Each refused delivery differs from an
 * accepted one in exactly the way under test, and a correctly built delivery through the same helper is accepted.
 */
import { randomUUID } from 'node:crypto';
import { composition } from '../../../shared/composition';
import { type TenantRecord } from '../../../shared/domain/tenant';
import { signDelivery, webhookHeaders } from '../../../shared/onboarding/webhook/signature';
import {
  instanceIdOf,
  type OnboardingWorld,
  orderFor,
  startOnboardingWorld,
} from '../../support/onboarding-world';

const importKey = 'POST graph-v1.0 /deviceManagement/importedWindowsAutopilotDeviceIdentities/import';
const maxBodyBytes = 4 * 1024 * 1024;

jest.setTimeout(60_000);

interface Delivery {
  /** The bytes sent. */
  body: string;
  /** The bytes the signature covers; the body unless a test changes the body after signing. */
  signedBody?: string;
  secret?: string;
  /** Unix seconds. */
  timestamp?: number;
  deliveryId?: string;
  source?: string;
  omitHeaders?: string[];
  /** Sends the body chunked, without a Content-Length, so only the bytes received can be measured. */
  streamed?: boolean;
}

interface Answer {
  status: number;
  contentType: string;
  body: any;
}

describe('autopilot webhook refusals', () => {
  let world: OnboardingWorld;
  /** Active and able to onboard: each refusal would have been accepted but for its one defect. */
  let active: TenantRecord;
  let suspended: TenantRecord;
  let provisioning: TenantRecord;
  /** Takes the only accepted delivery of this file (the replay's original). */
  let accepting: TenantRecord;
  let acceptedInstance: string;
  const refused: { tenantId: string; serials: string[] }[] = [];
  const run = Math.random().toString(36).slice(2, 8);
  let countersBefore: Map<string, Record<string, number>>;

  beforeAll(async () => {
    world = await startOnboardingWorld();
    const seats = { enabled: 50, consumed: 0 };
    [active, suspended, provisioning, accepting] = await Promise.all([
      world.addTenant({ name: 'Northwind', deviceCount: 5, seats }),
      world.addTenant({ name: 'Tailspin', deviceCount: 5, seats }),
      world.addTenant({ name: 'Wingtip', deviceCount: 5, seats }),
      world.addTenant({ name: 'Adatum', deviceCount: 5, seats }),
    ]);
    // Upsert clears the store's cache, and neither tenant has been read as active by a delivery yet.
    await composition().tenants.upsert({ ...suspended, status: 'suspended' });
    await composition().tenants.upsert({ ...provisioning, status: 'provisioning' });
    countersBefore = new Map(
      [active, suspended, provisioning].map((t) => [t.id, world.sim.control.counterValues(t.id).requests]),
    );
  });

  afterAll(async () => {
    await world.stop();
  });

  /** A valid one-device order for `tenantId`, remembered as refused so the last test can prove it started nothing. */
  function refusedOrder(tenantId: string, label: string) {
    const serial = `REFUSED-${label}-${run}`.toUpperCase();
    refused.push({ tenantId, serials: [serial] });
    const [upn] = world.sim.world.tenant(tenantId)?.directory.allUsers() ?? [];
    return orderFor(tenantId, `PO-${label}`, [
      { serial, upn: upn?.userPrincipalName ?? `someone@${label}.example` },
    ]);
  }

  function deliver(delivery: Delivery, method = 'POST'): Promise<Answer> {
    const timestamp = delivery.timestamp ?? Math.floor(Date.now() / 1000);
    const deliveryId = delivery.deliveryId ?? `delivery-${run}-${randomUUID()}`;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [webhookHeaders.source]: delivery.source ?? 'autopilot',
      [webhookHeaders.delivery]: deliveryId,
      [webhookHeaders.timestamp]: String(timestamp),
      [webhookHeaders.signature]: signDelivery(
        delivery.secret ?? world.webhookSecret,
        timestamp,
        deliveryId,
        delivery.signedBody ?? delivery.body,
      ),
    };
    for (const name of delivery.omitHeaders ?? []) delete headers[name];
    return send(`${world.host.baseUrl}/api/autopilot/webhook`, method, headers, delivery);
  }

  function expectProblem(answer: Answer, status: number, code: string): void {
    expect({ status: answer.status, contentType: answer.contentType }).toEqual({
      status,
      contentType: expect.stringMatching(/^application\/problem\+json\b/),
    });
    expect(answer.body).toMatchObject({
      status,
      code,
      title: expect.any(String),
      type: expect.stringContaining(code),
    });
  }

  it('accepts a correct delivery once and refuses its delivery id ever after with 401', async () => {
    const serial = `ACCEPTED-${run}`.toUpperCase();
    const [upn] = world.unlicensedUsers(accepting.id, 1);
    const original: Delivery = {
      body: JSON.stringify(orderFor(accepting.id, 'PO-ACCEPTED', [{ serial, upn: upn! }])),
      deliveryId: `original-${run}-0001`,
      timestamp: Math.floor(Date.now() / 1000),
    };
    const answer = await deliver(original);
    expect(answer.status).toBe(202);
    expect(answer.body.devices).toEqual([expect.objectContaining({ serialNumber: serial })]);
    acceptedInstance = instanceIdOf(accepting.id, serial);

    // The same bytes, timestamp and signature again, then the same delivery id with another order behind it.
    expectProblem(await deliver(original), 401, 'unauthorized');
    const other = JSON.stringify(refusedOrder(active.id, 'REPLAY'));
    expectProblem(await deliver({ ...original, body: other }), 401, 'unauthorized');

    const done = await world.waitForInstances([acceptedInstance]);
    expect(done.get(acceptedInstance)?.output).toMatchObject({ status: 'onboarded' });
    expect(world.sim.control.counterValues(accepting.id).requests[importKey]).toBe(1);
  });

  const signatureCases: [string, (body: string) => Delivery][] = [
    ['no signature header', (body) => ({ body, omitHeaders: [webhookHeaders.signature] })],
    ['no timestamp header', (body) => ({ body, omitHeaders: [webhookHeaders.timestamp] })],
    ['no delivery id header', (body) => ({ body, omitHeaders: [webhookHeaders.delivery] })],
    ['a signature made with another secret', (body) => ({ body, secret: 'another-secret-0123456789abcdef' })],
    [
      'a body changed after signing',
      (body) => ({ body: body.replace('"groupTag":"MMD"', '"groupTag":"MMX"'), signedBody: body }),
    ],
    ['a timestamp six minutes old', (body) => ({ body, timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })],
    [
      'a timestamp six minutes ahead',
      (body) => ({ body, timestamp: Math.floor(Date.now() / 1000) + 6 * 60 }),
    ],
    ['an unknown source', (body) => ({ body, source: 'nobody' })],
  ];

  it.each(signatureCases)('refuses %s with 401', async (label, build) => {
    const body = JSON.stringify(refusedOrder(active.id, label.replace(/\W+/g, '-')));
    const delivery = build(body);
    if (delivery.signedBody) expect(delivery.body).not.toBe(delivery.signedBody);
    expectProblem(await deliver(delivery), 401, 'unauthorized');
  });

  it('refuses a body that is not JSON with 400', async () => {
    const answer = await deliver({ body: `{"tenantId":"${active.id}","orderId":` });
    expectProblem(answer, 400, 'validation_failed');
  });

  it('refuses an order that breaks the schema with 400 listing every bad field', async () => {
    const order = refusedOrder(active.id, 'SCHEMA') as { devices: Record<string, unknown>[] };
    const [device] = order.devices;
    const body = {
      tenantId: 'not-a-tenant-guid',
      orderId: 'PO-SCHEMA',
      devices: [
        { ...device, serialNumber: undefined },
        { ...device, serialNumber: `SECOND-${run}`, assignedUserPrincipalName: 'not a upn' },
      ],
    };
    refused.push({ tenantId: active.id, serials: [`SECOND-${run}`] });
    const answer = await deliver({ body: JSON.stringify(body) });
    expectProblem(answer, 400, 'validation_failed');
    expect(answer.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'devices.0.serialNumber',
      'devices.1.assignedUserPrincipalName',
      'tenantId',
    ]);
    for (const error of answer.body.errors) expect(error.message).toEqual(expect.any(String));
  });

  it('refuses a tenant the service does not know with 404', async () => {
    const answer = await deliver({ body: JSON.stringify(refusedOrder(randomUUID(), 'UNKNOWN')) });
    expectProblem(answer, 404, 'not_found');
  });

  it('refuses a tenant that is still provisioning with 404', async () => {
    const answer = await deliver({ body: JSON.stringify(refusedOrder(provisioning.id, 'PROVISIONING')) });
    expectProblem(answer, 404, 'not_found');
  });

  it('refuses a suspended tenant with 403', async () => {
    const answer = await deliver({ body: JSON.stringify(refusedOrder(suspended.id, 'SUSPENDED')) });
    expectProblem(answer, 403, 'forbidden');
  });

  it.each([
    ['declared in Content-Length', false],
    ['sent chunked without a length', true],
  ])('refuses a correctly signed body over the limit (%s) with 413', async (_, streamed) => {
    // Valid JSON with trailing whitespace: without the limit this order would be accepted.
    const order = JSON.stringify(refusedOrder(active.id, streamed ? 'LARGE-CHUNKED' : 'LARGE'));
    const body = order + ' '.repeat(maxBodyBytes + 1 - order.length);
    expect(Buffer.byteLength(body)).toBe(maxBodyBytes + 1);
    expectProblem(await deliver({ body, streamed }), 413, 'payload_too_large');
  });

  it('refuses GET with 405 problem details from the host', async () => {
    const answer = await deliver({ body: '' }, 'GET');
    expect(answer.status).toBe(405);
    expect(answer.contentType).toMatch(/^application\/problem\+json\b/);
    expect(answer.body).toMatchObject({ status: 405, title: expect.any(String), type: expect.any(String) });
  });

  it('started nothing for any refused delivery', async () => {
    expect(refused.length).toBeGreaterThanOrEqual(16);
    await world.settle();
    // The same look-up finds the one accepted delivery's orchestration.
    expect(await world.host.durable.getStatus(acceptedInstance)).toMatchObject({
      runtimeStatus: 'Completed',
    });
    for (const { tenantId, serials } of refused) {
      for (const serial of serials)
        expect({
          serial,
          status: await world.host.durable.getStatus(instanceIdOf(tenantId, serial)),
        }).toEqual({
          serial,
          status: undefined,
        });
    }
    for (const tenant of [active, suspended, provisioning]) {
      const after = world.sim.control.counterValues(tenant.id).requests;
      expect(after[importKey] ?? 0).toBe(0);
      expect(after).toEqual(countersBefore.get(tenant.id));
    }
  });
});

async function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  delivery: Delivery,
): Promise<Answer> {
  const bytes = Buffer.from(delivery.body);
  const body =
    method === 'GET'
      ? undefined
      : delivery.streamed
        ? new ReadableStream<Uint8Array>({
            start(controller) {
              for (let at = 0; at < bytes.length; at += 64 * 1024)
                controller.enqueue(bytes.subarray(at, at + 64 * 1024));
              controller.close();
            },
          })
        : bytes;
  const response = await fetch(url, {
    method,
    headers,
    body,
    ...(delivery.streamed ? { duplex: 'half' } : {}),
  } as RequestInit);
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    body: text ? JSON.parse(text) : undefined,
  };
}
