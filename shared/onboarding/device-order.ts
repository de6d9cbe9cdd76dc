import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Every field is bounded by what the systems downstream accept, so that an order the webhook takes in can be
 * onboarded, and one that never could is refused with 400 at the door instead of failing later:
 * - Durable instance ids may not contain `/ \ # ?` and hold at most 100 characters; Service Bus message ids at
 *   most 128; Cosmos item ids may not contain `/ \ # ?`. Serial numbers are letters, digits and `. _ -` (what
 *   Autopilot's serial numbers are made of), and a serial too long for an instance id is hashed into it.
 * - Entra: a user principal name is at most 113 characters, 64 before the `@` and 48 after it.
 * - Order ids and group tags end up in logs and Graph requests: printable characters only.
 */
export const fieldBounds = {
  serialNumber: 128,
  groupTag: 128,
  orderId: 128,
  userPrincipalName: 113,
  upnLocalPart: 64,
  upnDomain: 48,
} as const;

export const serialNumberSchema = z
  .string()
  .trim()
  .min(1)
  .max(fieldBounds.serialNumber)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'must be letters, digits, and . _ - only' });

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** A Windows hardware hash (the 4K HH) as base64; one check so that a bad hash is reported once. */
const hardwareHash = z.string().refine((s) => s.length >= 16 && s.length <= 16_384 && base64Pattern.test(s), {
  message: 'must be base64 of 16 to 16,384 characters',
});

const userPrincipalName = z.email({ message: 'must be a user principal name (user@domain)' }).refine(
  (upn) => {
    const at = upn.lastIndexOf('@');
    return (
      upn.length <= fieldBounds.userPrincipalName &&
      at <= fieldBounds.upnLocalPart &&
      upn.length - at - 1 <= fieldBounds.upnDomain
    );
  },
  {
    message: `must be at most ${fieldBounds.userPrincipalName} characters, ${fieldBounds.upnLocalPart} before the @ and ${fieldBounds.upnDomain} after it`,
  },
);

/** Printable ASCII, no control characters: a value that is logged cannot forge a log line. */
const printable = /^[\x20-\x7e]*$/;

export const maxDevicesPerOrder = 500;

export const orderedDeviceSchema = z.object({
  serialNumber: serialNumberSchema,
  hardwareHash,
  groupTag: z
    .string()
    .trim()
    .max(fieldBounds.groupTag)
    .regex(printable, { message: 'must be printable characters only' })
    .default(''),
  assignedUserPrincipalName: userPrincipalName,
});

/** The devices of one order: 1 to 500, no serial number twice (case-insensitively, as Autopilot compares them). */
export const orderedDevicesSchema = z
  .array(orderedDeviceSchema)
  .min(1)
  .max(maxDevicesPerOrder)
  .superRefine((devices, ctx) => {
    const seen = new Map<string, number>();
    devices.forEach((device, index) => {
      const key = device.serialNumber.toUpperCase();
      const first = seen.get(key);
      if (first === undefined) seen.set(key, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: [index, 'serialNumber'],
          message: `duplicates devices.${first}.serialNumber`,
        });
    });
  });

export const orderIdSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, {
    message: `must be 1 to ${fieldBounds.orderId} of letters, digits and . _ : / - (starting with a letter or digit)`,
  });

export const deviceOrderSchema = z.object({
  // Tenant ids compare as lower case everywhere (records, instance ids): an upper-cased GUID is the same tenant.
  tenantId: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.uuid({ message: 'must be the tenant id (a GUID)' })),
  orderId: orderIdSchema,
  devices: orderedDevicesSchema,
});

export type OrderedDevice = z.infer<typeof orderedDeviceSchema>;
export type DeviceOrder = z.infer<typeof deviceOrderSchema>;

/** Durable Functions' limit on instance ids. */
export const maxInstanceIdLength = 100;
const hashLength = 32;

function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * One orchestration per device: the id is a function of tenant and serial, so every delivery of a device meets it.
 * `onboard:{tenant}:{SERIAL}` whenever that fits Durable's 100 characters; a longer serial keeps its start and
 * gains a hash of the whole (`~` never occurs in a serial, so the two forms never meet).
 */
export function onboardingInstanceId(tenantId: string, serialNumber: string): string {
  const prefix = `onboard:${tenantId.toLowerCase()}:`;
  const serial = serialNumber.toUpperCase();
  if (prefix.length + serial.length <= maxInstanceIdLength) return `${prefix}${serial}`;
  const keep = Math.max(0, maxInstanceIdLength - prefix.length - 1 - hashLength);
  return `${prefix}${serial.slice(0, keep)}~${sha256Hex(serial).slice(0, hashLength)}`;
}

/**
 * The Service Bus message id of one device of one delivery: the instance id and a hash of the delivery. A send the
 * client repeats is dropped by the queue's duplicate detection; another delivery of the device (a re-sent order)
 * gets through to the start, which is idempotent by instance id and restarts only a device that failed for a
 * transient reason. At most 100 + 1 + 16 characters, inside Service Bus's 128.
 */
export function orderMessageId(instanceId: string, source: string, deliveryId: string): string {
  return `${instanceId}|${sha256Hex(`${source}\n${deliveryId.toLowerCase()}`).slice(0, 16)}`;
}
