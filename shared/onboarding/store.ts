import { type Container, type ItemDefinition } from '@azure/cosmos';
import { ConflictError, PreconditionFailedError } from '../errors';
import { cosmosCall } from '../platform/cosmos/errors';
import { type OnboardingRecordInput } from './contract';

export interface OnboardingDocument extends ItemDefinition {
  /** The serial number, upper-cased: one record per device and tenant. */
  id: string;
  tenantId: string;
  serialNumber: string;
  orderId: string;
  instanceId: string;
  status: 'onboarded' | 'failed';
  reason?: string;
  detail?: string;
  steps: OnboardingRecordInput['steps'];
  startedAt: string;
  endedAt: string;
}

export interface DeviceDocument extends ItemDefinition {
  id: string;
  tenantId: string;
  serialNumber: string;
  managedDeviceId?: string;
  azureADDeviceId?: string;
  updateRing?: string;
  onboardingStatus: 'onboarded' | 'failed';
  security: OnboardingRecordInput['observed'];
  updatedAt: string;
}

const maxAttempts = 5;

/**
 * Writes the outcome of one onboarding run. Idempotent: the same run written twice (an activity retried after its
 * write landed) changes nothing; concurrent writers are serialised by ETags, re-reading on a lost race.
 */
export class OnboardingStore {
  constructor(
    private readonly onboardings: Container,
    private readonly devices: Container,
  ) {}

  async record(input: OnboardingRecordInput): Promise<'written' | 'unchanged'> {
    const onboarding = toOnboardingDocument(input);
    const result = await guardedWrite(
      this.onboardings,
      onboarding,
      (existing) =>
        existing.instanceId === onboarding.instanceId &&
        existing.startedAt === onboarding.startedAt &&
        existing.endedAt === onboarding.endedAt,
    );
    await guardedWrite(this.devices, toDeviceDocument(input), () => false);
    return result;
  }
}

async function guardedWrite<T extends ItemDefinition & { id: string; tenantId: string }>(
  container: Container,
  document: T,
  isSame: (existing: T) => boolean,
): Promise<'written' | 'unchanged'> {
  const what = `write ${container.id}/${document.id}`;
  for (let attempt = 1; ; attempt++) {
    const { resource: existing, etag } = await cosmosCall(what, () =>
      container.item(document.id, document.tenantId).read<T>(),
    );
    if (existing && isSame(existing)) return 'unchanged';
    try {
      if (existing && etag) {
        await cosmosCall(what, () =>
          container
            .item(document.id, document.tenantId)
            .replace(document, { accessCondition: { type: 'IfMatch', condition: etag } }),
        );
      } else {
        await cosmosCall(what, () => container.items.create(document));
      }
      return 'written';
    } catch (error) {
      const lostRace = error instanceof PreconditionFailedError || error instanceof ConflictError;
      if (!lostRace || attempt >= maxAttempts) throw error;
    }
  }
}

function toOnboardingDocument(input: OnboardingRecordInput): OnboardingDocument {
  const { request, outcome } = input;
  return {
    id: request.serialNumber.toUpperCase(),
    tenantId: request.tenantId,
    serialNumber: request.serialNumber,
    orderId: request.orderId,
    instanceId: input.instanceId,
    status: outcome.status,
    ...(outcome.status === 'failed' ? { reason: outcome.reason, detail: outcome.detail } : {}),
    steps: input.steps,
    startedAt: input.startedAt,
    endedAt: input.endedAt,
  };
}

function toDeviceDocument(input: OnboardingRecordInput): DeviceDocument {
  const { request, outcome } = input;
  return {
    id: request.serialNumber.toUpperCase(),
    tenantId: request.tenantId,
    serialNumber: request.serialNumber,
    ...(outcome.managedDeviceId ? { managedDeviceId: outcome.managedDeviceId } : {}),
    ...(outcome.azureADDeviceId ? { azureADDeviceId: outcome.azureADDeviceId } : {}),
    ...(outcome.status === 'onboarded' ? { updateRing: outcome.ring } : {}),
    onboardingStatus: outcome.status,
    security: input.observed,
    updatedAt: input.endedAt,
  };
}
