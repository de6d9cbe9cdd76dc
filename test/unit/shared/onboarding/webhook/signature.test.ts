import { signDelivery, verifyDelivery } from '../../../../../shared/onboarding/webhook/signature';

const secret = 'whsec-test-0123456789';
const body = Buffer.from('{"tenantId":"t","orderId":"o","devices":[]}');
const now = Date.parse('2026-11-29T08:00:00Z');
const ts = Math.floor(now / 1000);

describe('verifyDelivery', () => {
  it('accepts a delivery signed with the secret over timestamp and raw body', () => {
    const signature = signDelivery(secret, ts, body);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyDelivery({ signature, timestamp: String(ts), rawBody: body }, secret, now)).toEqual({
      ok: true,
    });
  });

  it('refuses a wrong secret, a changed body and a moved timestamp', () => {
    const signature = signDelivery(secret, ts, body);
    expect(
      verifyDelivery(
        { signature: signDelivery('other', ts, body), timestamp: String(ts), rawBody: body },
        secret,
        now,
      ),
    ).toEqual({ ok: false, reason: 'badSignature' });
    expect(
      verifyDelivery(
        { signature, timestamp: String(ts), rawBody: Buffer.from(`${body.toString()} `) },
        secret,
        now,
      ),
    ).toEqual({ ok: false, reason: 'badSignature' });
    expect(verifyDelivery({ signature, timestamp: String(ts + 1), rawBody: body }, secret, now)).toEqual({
      ok: false,
      reason: 'badSignature',
    });
  });

  it('refuses timestamps more than five minutes off either way', () => {
    for (const skew of [-301, 301]) {
      const t = ts + skew;
      expect(
        verifyDelivery(
          { signature: signDelivery(secret, t, body), timestamp: String(t), rawBody: body },
          secret,
          now,
        ),
      ).toEqual({ ok: false, reason: 'timestampOutOfRange' });
    }
    const edge = ts - 299;
    expect(
      verifyDelivery(
        { signature: signDelivery(secret, edge, body), timestamp: String(edge), rawBody: body },
        secret,
        now,
      ).ok,
    ).toBe(true);
  });

  it('refuses missing headers and malformed timestamps', () => {
    expect(verifyDelivery({ signature: null, timestamp: String(ts), rawBody: body }, secret, now)).toEqual({
      ok: false,
      reason: 'missingHeaders',
    });
    expect(verifyDelivery({ signature: 'sha256=00', timestamp: '12e5', rawBody: body }, secret, now)).toEqual(
      { ok: false, reason: 'malformedTimestamp' },
    );
  });
});
