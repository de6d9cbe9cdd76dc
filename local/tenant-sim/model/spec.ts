/**
 * What a tenant is built from, and how one device may be scripted to misbehave. The control API passes
 * JSON bodies straight through, so both are validated here with one error that lists every problem.
 */
import { z } from 'zod';

const minute = 60_000;

/** How long each lifecycle step takes on the scenario clock. */
export interface LifecycleDelays {
  /** Import accepted → `pending`. */
  importAcceptMs: number;
  /** Import accepted → `complete` (or `error`). */
  importCompleteMs: number;
  /** `POST windowsAutopilotSettings/sync` → completed imports appear as Autopilot devices. */
  autopilotSyncMs: number;
  /** Completed imports appear as Autopilot devices even without a manual sync after this. */
  autopilotAutoSyncMs: number;
  /** Autopilot device appears → device runs OOBE and enrolls. */
  enrollmentMs: number;
  /** Enrolled → BitLocker encryption done. */
  encryptionMs: number;
  /** Encrypted → recovery key escrowed to Entra ID. */
  keyEscrowMs: number;
  /** Enrolled → Defender for Endpoint machine onboarded and Active. */
  defenderOnboardingMs: number;
  /** Onboarded (or `windowsDefenderUpdateSignatures` sent) → definitions current. */
  signatureUpdateMs: number;
  /** A device action (sync, scan) reaches the device at its next check-in after this. */
  deviceActionMs: number;
  /** `rotateBitLockerKeys` → the new recovery key is escrowed. */
  keyRotationMs: number;
  /** Defender machine action Pending → InProgress. */
  machineActionPickupMs: number;
  /** Defender antivirus scan InProgress → Succeeded. */
  antivirusScanMs: number;
  /** Report export job notStarted → inProgress. */
  exportStartMs: number;
  /** Report export job notStarted → completed. */
  exportCompleteMs: number;
  /** How long a download URL handed out with a completed export job stays valid (its SAS expiry). */
  exportDownloadTtlMs: number;
  /** A policy assignment → devices report a status for it. */
  policyApplyMs: number;
}

export const defaultLifecycleDelays: LifecycleDelays = {
  importAcceptMs: 30_000,
  importCompleteMs: 5 * minute,
  autopilotSyncMs: 2 * minute,
  autopilotAutoSyncMs: 60 * minute,
  enrollmentMs: 20 * minute,
  encryptionMs: 10 * minute,
  keyEscrowMs: minute,
  defenderOnboardingMs: 15 * minute,
  signatureUpdateMs: 20 * minute,
  deviceActionMs: 3 * minute,
  keyRotationMs: 5 * minute,
  machineActionPickupMs: minute,
  antivirusScanMs: 5 * minute,
  exportStartMs: 10_000,
  exportCompleteMs: minute,
  exportDownloadTtlMs: 60 * minute,
  policyApplyMs: 10 * minute,
};

/** The steps an imported device goes through, in order. */
export const lifecycleSteps = [
  'import',
  'enrollment',
  'encryption',
  'keyEscrow',
  'defenderOnboarding',
  'signatureUpdate',
] as const;
export type LifecycleStep = (typeof lifecycleSteps)[number];

const delaysSchema = z
  .object(
    Object.fromEntries(
      Object.keys(defaultLifecycleDelays).map((key) => [key, z.number().int().nonnegative().optional()]),
    ) as {
      [K in keyof LifecycleDelays]: z.ZodOptional<z.ZodNumber>;
    },
  )
  .strict();

const guid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID');

const appRegistrationSchema = z
  .object({
    clientId: guid.optional(),
    displayName: z.string().min(1).optional(),
    clientSecret: z.string().min(16).optional(),
    certificatePem: z.string().includes('BEGIN CERTIFICATE').optional(),
    publicKeyPem: z.string().includes('BEGIN PUBLIC KEY').optional(),
    certificateThumbprint: z
      .string()
      .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/i)
      .optional(),
    permissions: z.array(z.string().min(1)),
  })
  .strict();

export const tenantSpecSchema = z
  .object({
    /** Defaults to a GUID derived from the seed. */
    id: guid.optional(),
    displayName: z.string().min(1),
    /** The initial domain, e.g. `contoso.onmicrosoft.com`. */
    domain: z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'must be a domain name'),
    seed: z.union([z.string().min(1), z.number().int()]),
    deviceCount: z.number().int().min(0).max(100_000),
    e5: z
      .object({ enabled: z.number().int().nonnegative(), consumed: z.number().int().nonnegative() })
      .strict()
      .refine((seats) => seats.consumed <= seats.enabled, 'consumed must not exceed enabled'),
    /** Update rings as Entra device groups with their share of the fleet; default: Test/First/Fast/Broad. */
    updateRings: z
      .array(z.object({ name: z.string().min(1), share: z.number().min(0).max(1) }).strict())
      .optional(),
    /** App registrations; a missing clientId is derived from the seed, a missing secret is generated. */
    apps: z.array(appRegistrationSchema).default([]),
    lifecycle: delaysSchema.optional(),
    /** The time the generated fleet history ends (epoch ms); defaults to the clock's now. */
    asOf: z.number().int().optional(),
  })
  .strict();

export type TenantSpec = z.input<typeof tenantSpecSchema>;
export type ValidTenantSpec = z.output<typeof tenantSpecSchema>;

const step = z.enum(lifecycleSteps);

export const deviceBehaviourSchema = z
  .object({
    /** The device never finishes this step (nor any later one) until an action cures it, where one can. */
    stallAt: step.optional(),
    /** The device ends this step in its failure state. */
    failAt: step.optional(),
    /** The hardware hash is registered to another tenant: import ends with 808 ZtdDeviceAssignedToOtherTenant. */
    registeredToOtherTenant: z.boolean().optional(),
    /** Per-device timing. */
    delays: delaysSchema.optional(),
  })
  .strict();

export type DeviceBehaviour = z.input<typeof deviceBehaviourSchema>;

/** A spec or behaviour that does not validate; the message lists every problem. */
export class InvalidSpecError extends Error {
  constructor(what: string, error: z.ZodError) {
    super(
      `Invalid ${what}: ${error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`,
    );
    this.name = 'InvalidSpecError';
  }
}

export function parseTenantSpec(input: unknown): ValidTenantSpec {
  const result = tenantSpecSchema.safeParse(input);
  if (!result.success) throw new InvalidSpecError('tenant spec', result.error);
  return result.data;
}

export function parseDeviceBehaviour(input: unknown): DeviceBehaviour {
  const result = deviceBehaviourSchema.safeParse(input);
  if (!result.success) throw new InvalidSpecError('device behaviour', result.error);
  return result.data;
}
