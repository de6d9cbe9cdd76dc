import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The Autopilot pipeline signs each delivery: `x-mds-signature: sha256=<hex HMAC-SHA256 of
 * "<timestamp>.<delivery id>.<raw body>">` with the source's shared secret, `x-mds-timestamp` in Unix seconds,
 * `x-mds-delivery` a unique delivery id and `x-mds-source` the name of the sending pipeline (it selects the
 * secret). Signing the timestamp stops an old body from being replayed with a fresh timestamp; signing the delivery
 * id stops a captured delivery from being replayed under a new id inside its time window.
 *
 * The signed string splits one way only: the timestamp is digits, and the delivery id's characters (letters,
 * digits, `._:-`) never start a JSON body, so no other (id, body) pair the service accepts signs the same bytes.
 */
export const webhookHeaders = {
  signature: 'x-mds-signature',
  timestamp: 'x-mds-timestamp',
  delivery: 'x-mds-delivery',
  source: 'x-mds-source',
} as const;

export const maxClockSkewSeconds = 5 * 60;

export function signDelivery(
  secret: string,
  timestamp: number,
  deliveryId: string,
  rawBody: Buffer | string,
): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${deliveryId}.`).update(rawBody).digest('hex')}`;
}

export type SignatureVerdict =
  | { ok: true }
  | { ok: false; reason: 'missingHeaders' | 'malformedTimestamp' | 'timestampOutOfRange' | 'badSignature' };

export interface SignedDelivery {
  signature: string | null;
  timestamp: string | null;
  /** The delivery id exactly as sent (the signature covers it byte for byte). */
  deliveryId: string;
  rawBody: Buffer;
}

export function verifyDelivery(delivery: SignedDelivery, secret: string, nowMs: number): SignatureVerdict {
  if (!delivery.signature || !delivery.timestamp) return { ok: false, reason: 'missingHeaders' };
  if (!/^\d{1,12}$/.test(delivery.timestamp)) return { ok: false, reason: 'malformedTimestamp' };
  const timestamp = Number(delivery.timestamp);
  if (Math.abs(nowMs / 1000 - timestamp) > maxClockSkewSeconds)
    return { ok: false, reason: 'timestampOutOfRange' };
  const expected = Buffer.from(signDelivery(secret, timestamp, delivery.deliveryId, delivery.rawBody));
  const given = Buffer.from(delivery.signature);
  // Compare in constant time so the signature cannot be guessed byte by byte from response times.
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'badSignature' };
  return { ok: true };
}
