import { z } from 'zod';

/** Autopilot accepts serial numbers of letters, digits and a few separators; the service caps them at 128. */
export const serialNumberSchema = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._\-/]*$/, { message: 'must be letters, digits, and . _ - / only' });

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** A Windows hardware hash (the 4K HH) as base64; one check so that a bad hash is reported once. */
const hardwareHash = z.string().refine((s) => s.length >= 16 && s.length <= 16_384 && base64Pattern.test(s), {
  message: 'must be base64 of 16 to 16,384 characters',
});

export const maxDevicesPerOrder = 500;

export const orderedDeviceSchema = z.object({
  serialNumber: serialNumberSchema,
  hardwareHash,
  groupTag: z.string().trim().max(128).default(''),
  assignedUserPrincipalName: z.email({ message: 'must be a user principal name (user@domain)' }),
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

export const orderIdSchema = z.string().trim().min(1).max(128);

export const deviceOrderSchema = z.object({
  tenantId: z.uuid({ message: 'must be the tenant id (a GUID)' }),
  orderId: orderIdSchema,
  devices: orderedDevicesSchema,
});

export type OrderedDevice = z.infer<typeof orderedDeviceSchema>;
export type DeviceOrder = z.infer<typeof deviceOrderSchema>;

/** One orchestration per device: the id is a function of tenant and serial, so every delivery of a device meets it. */
export function onboardingInstanceId(tenantId: string, serialNumber: string): string {
  return `onboard:${tenantId.toLowerCase()}:${serialNumber.toUpperCase()}`;
}

/**
 * Where a device's onboarding is followed: the operator API's status route, which the webhook and the operator API
 * hand out instead of a Durable Functions URL with a host key. Relative to the app's origin.
 */
export function onboardingStatusPath(tenantId: string, serialNumber: string): string {
  return `/api/v1/tenants/${encodeURIComponent(tenantId.toLowerCase())}/onboardings/${encodeURIComponent(serialNumber.toUpperCase())}`;
}
