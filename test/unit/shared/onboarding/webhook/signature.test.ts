import { createHmac } from 'node:crypto';
import { signDelivery, verifyDelivery } from '../../../../../shared/onboarding/webhook/signature';

const secret = 'whsec-test-0123456789';
const body = Buffer.from('{"tenantId":"t","orderId":"o","devices":[]}');
const now = Date.parse('2026-11-29T08:00:00Z');
const ts = Math.floor(now / 1000);
const id = 'delivery-0001';

describe('verifyDelivery', () => {
  it('accepts a delivery signed with the secret over timestamp and raw body', () => {
    const signature = signDelivery(secret, ts, id, body);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(
      verifyDelivery({ signature, timestamp: String(ts), deliveryId: id, rawBody: body }, secret, now),
    ).toEqual({
      ok: true,
    });
  });

  it('refuses a wrong secret, a changed body and a moved timestamp', () => {
    const signature = signDelivery(secret, ts, id, body);
    expect(
      verifyDelivery(
        {
          signature: signDelivery('other', ts, id, body),
          timestamp: String(ts),
          deliveryId: id,
          rawBody: body,
        },
        secret,
        now,
      ),
    ).toEqual({ ok: false, reason: 'badSignature' });
    expect(
      verifyDelivery(
        { signature, timestamp: String(ts), deliveryId: id, rawBody: Buffer.from(`${body.toString()} `) },
        secret,
        now,
      ),
    ).toEqual({ ok: false, reason: 'badSignature' });
    expect(
      verifyDelivery({ signature, timestamp: String(ts + 1), deliveryId: id, rawBody: body }, secret, now),
    ).toEqual({
      ok: false,
      reason: 'badSignature',
    });
  });

  it('signs "<timestamp>.<delivery id>.<raw body>", so the same bytes under another delivery id do not verify', () => {
    const signature = signDelivery(secret, ts, id, body);
    const expected = createHmac('sha256', secret).update(`${ts}.${id}.${body.toString()}`).digest('hex');
    expect(signature).toBe(`sha256=${expected}`);
    for (const otherId of ['delivery-0002', id.toUpperCase()])
      expect(
        verifyDelivery({ signature, timestamp: String(ts), deliveryId: otherId, rawBody: body }, secret, now),
      ).toEqual({ ok: false, reason: 'badSignature' });
  });

  it('refuses timestamps more than five minutes off either way', () => {
    for (const skew of [-301, 301]) {
      const t = ts + skew;
      expect(
        verifyDelivery(
          {
            signature: signDelivery(secret, t, id, body),
            timestamp: String(t),
            deliveryId: id,
            rawBody: body,
          },
          secret,
          now,
        ),
      ).toEqual({ ok: false, reason: 'timestampOutOfRange' });
    }
    const edge = ts - 299;
    expect(
      verifyDelivery(
        {
          signature: signDelivery(secret, edge, id, body),
          timestamp: String(edge),
          deliveryId: id,
          rawBody: body,
        },
        secret,
        now,
      ).ok,
    ).toBe(true);
  });

  it('refuses missing headers and malformed timestamps', () => {
    expect(
      verifyDelivery({ signature: null, timestamp: String(ts), deliveryId: id, rawBody: body }, secret, now),
    ).toEqual({
      ok: false,
      reason: 'missingHeaders',
    });
    expect(
      verifyDelivery(
        { signature: 'sha256=00', timestamp: '12e5', deliveryId: id, rawBody: body },
        secret,
        now,
      ),
    ).toEqual({ ok: false, reason: 'malformedTimestamp' });
  });
});
