import { type Container, type ItemDefinition, type SqlParameter } from '@azure/cosmos';
import { type DeviceHealth, deviceHealth } from '../domain/device-health';
import { type UpdateRing } from '../domain/tenant';
import { ConflictError, PreconditionFailedError } from '../errors';
import { cosmosCall } from '../platform/cosmos/errors';
import { type Page, type PageRequest, queryAll, queryPage } from '../platform/cosmos/paging';
import { type FailureReason, type OnboardingRecordInput } from './contract';

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
  /** Judged from `security` when written (shared/domain/device-health.ts), so that queries can filter on it. */
  health?: DeviceHealth;
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

  async get(tenantId: string, serialNumber: string): Promise<OnboardingDocument | undefined> {
    const { resource } = await cosmosCall('read onboarding', () =>
      this.onboardings.item(serialNumber.toUpperCase(), tenantId).read<OnboardingDocument>(),
    );
    return resource;
  }

  async device(tenantId: string, serialNumber: string): Promise<DeviceDocument | undefined> {
    const { resource } = await cosmosCall('read device', () =>
      this.devices.item(serialNumber.toUpperCase(), tenantId).read<DeviceDocument>(),
    );
    return resource;
  }

  /** A tenant's devices in serial-number order, filtered by health and ring. */
  devicesPage(
    tenantId: string,
    filter: { health?: DeviceHealth | undefined; ring?: UpdateRing | undefined },
    page: PageRequest,
  ): Promise<Page<DeviceDocument>> {
    return queryPage<DeviceDocument>(
      this.devices,
      where(tenantId, { health: filter.health, updateRing: filter.ring }),
      page,
      `list devices of ${tenantId}`,
    );
  }

  /** A tenant's onboarding records in serial-number order, filtered by outcome and failure reason. */
  onboardingsPage(
    tenantId: string,
    filter: { status?: 'onboarded' | 'failed' | undefined; reason?: FailureReason | undefined },
    page: PageRequest,
  ): Promise<Page<OnboardingDocument>> {
    return queryPage<OnboardingDocument>(
      this.onboardings,
      where(tenantId, { status: filter.status, reason: filter.reason }),
      page,
      `list onboardings of ${tenantId}`,
    );
  }

  /** Counts of a tenant's devices by onboarding outcome and health, counted in code (the emulator has no GROUP BY). */
  async deviceCounts(tenantId: string): Promise<DeviceCounts> {
    const rows = await queryAll<{ onboardingStatus: 'onboarded' | 'failed'; health?: DeviceHealth }>(
      this.devices,
      {
        query: 'SELECT c.onboardingStatus, c.health FROM c WHERE c.tenantId = @tenantId',
        parameters: [{ name: '@tenantId', value: tenantId }],
      },
      `count devices of ${tenantId}`,
    );
    const counts: DeviceCounts = {
      total: rows.length,
      onboarded: 0,
      failed: 0,
      healthy: 0,
      unhealthy: 0,
      unknown: 0,
    };
    for (const row of rows) {
      counts[row.onboardingStatus] += 1;
      counts[row.health ?? 'unknown'] += 1;
    }
    return counts;
  }

  /** Counts of a tenant's onboarding records by outcome and by failure reason. */
  async onboardingCounts(tenantId: string): Promise<OnboardingCounts> {
    const rows = await queryAll<{ status: 'onboarded' | 'failed'; reason?: FailureReason }>(
      this.onboardings,
      {
        query: 'SELECT c.status, c.reason FROM c WHERE c.tenantId = @tenantId',
        parameters: [{ name: '@tenantId', value: tenantId }],
      },
      `count onboardings of ${tenantId}`,
    );
    const counts: OnboardingCounts = { total: rows.length, onboarded: 0, failed: 0, failedBy: {} };
    for (const row of rows) {
      counts[row.status] += 1;
      if (row.status === 'failed' && row.reason)
        counts.failedBy[row.reason] = (counts.failedBy[row.reason] ?? 0) + 1;
    }
    return counts;
  }
}

export interface DeviceCounts {
  total: number;
  onboarded: number;
  failed: number;
  healthy: number;
  unhealthy: number;
  unknown: number;
}

export interface OnboardingCounts {
  total: number;
  onboarded: number;
  failed: number;
  failedBy: Partial<Record<FailureReason, number>>;
}

/** `WHERE c.tenantId = @tenantId AND c.<field> = @<field> ...` for the filters given, in id order. */
function where(tenantId: string, filters: Record<string, string | undefined>) {
  const parameters: SqlParameter[] = [{ name: '@tenantId', value: tenantId }];
  const clauses = ['c.tenantId = @tenantId'];
  for (const [field, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    clauses.push(`c.${field} = @${field}`);
    parameters.push({ name: `@${field}`, value });
  }
  return { query: `SELECT * FROM c WHERE ${clauses.join(' AND ')} ORDER BY c.id`, parameters };
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
    health: deviceHealth(input.observed),
    security: input.observed,
    updatedAt: input.endedAt,
  };
}
