import { type Container, type ItemDefinition } from '@azure/cosmos';
import { bulkRead, bulkWrite } from '../platform/cosmos/bulk';
import { cosmosCall } from '../platform/cosmos/errors';
import { queryInPartition, readInPartition } from '../platform/cosmos/partition';
import {
  type FleetSummary,
  type HealthSnapshot,
  ledgerKey,
  type RemediationAttempt,
  type RemediationSubject,
  type RuleId,
  type RuleMode,
  type RuleOutcome,
  type Severity,
  type TenantComplianceSettings,
} from './baseline/contract';
import { type SweepOutcome, type SweepTrigger } from './contract';

/** One rule's result on one device, as kept between sweeps. */
export interface StoredRuleResult {
  ruleId: RuleId;
  outcome: RuleOutcome;
  detail: string;
  mode: RuleMode;
  severity: Severity;
  products?: readonly string[];
  /** When the rule started failing (kept while it keeps failing). */
  firstFailedAt?: string;
  lastEvaluatedAt: string;
}

/** A device's results per rule, its health and its snapshot for the next sweep's transition. */
export interface DeviceResults extends ItemDefinition {
  /** `device:{deviceId}` */
  id: string;
  tenantId: string;
  type: 'device';
  deviceId: string;
  aadDeviceId?: string;
  serialNumber: string;
  baselineVersion: string;
  sweepId: string;
  lastEvaluatedAt: string;
  health: 'healthy' | 'unhealthy' | 'notReporting';
  failing: readonly RuleId[];
  caMismatch: boolean;
  snapshot?: HealthSnapshot;
  results: readonly StoredRuleResult[];
}

export interface LedgerEntry extends ItemDefinition, RemediationAttempt {
  /** `ledger:{deviceId}|{subject}` */
  id: string;
  tenantId: string;
  type: 'ledger';
}

/** One sweep's summary, kept for the trend. */
export interface SweepRecord extends ItemDefinition {
  /** `sweep:{sweepId}` */
  id: string;
  tenantId: string;
  type: 'sweep';
  sweepId: string;
  windowAt: string;
  trigger: SweepTrigger;
  status: 'completed' | 'failed';
  recordedAt: string;
  outcome?: SweepOutcome;
  error?: string;
  summary?: FleetSummary;
}

export interface SettingsRecord extends ItemDefinition, TenantComplianceSettings {
  id: 'settings';
  type: 'settings';
  updatedAt: string;
  updatedBy: string;
}

export const deviceDocId = (deviceId: string): string => `device:${deviceId}`;
const ledgerDocId = (deviceId: string, subject: RemediationSubject): string =>
  `ledger:${ledgerKey(deviceId, subject)}`;

/**
 * The compliance container, partitioned by tenant: per device its results, the remediation ledger, one record per
 * sweep (its summary, for the trend), the latest summary, and the tenant's settings.
 */
export class ComplianceStore {
  constructor(private readonly container: Container) {}

  async devices(tenantId: string, deviceIds: readonly string[]): Promise<Map<string, DeviceResults>> {
    const docs = await bulkRead<DeviceResults>(
      this.container,
      tenantId,
      deviceIds.map(deviceDocId),
      `read compliance results of ${tenantId}`,
    );
    return new Map([...docs.values()].map((doc) => [doc.deviceId, doc]));
  }

  async putDevices(tenantId: string, docs: readonly DeviceResults[]): Promise<void> {
    await bulkWrite(this.container, tenantId, { upsert: docs }, `write compliance results of ${tenantId}`);
  }

  async device(tenantId: string, deviceId: string): Promise<DeviceResults | undefined> {
    return this.read<DeviceResults>(tenantId, deviceDocId(deviceId));
  }

  async deviceBySerial(tenantId: string, serialNumber: string): Promise<DeviceResults | undefined> {
    const found = await this.query<DeviceResults>(
      tenantId,
      "c.type = 'device' AND UPPER(c.serialNumber) = @serial",
      [{ name: '@serial', value: serialNumber.toUpperCase() }],
    );
    return found[0];
  }

  /** The whole ledger of a tenant: devices with a failing subject in `remediate` mode (a small part of a fleet). */
  async ledger(tenantId: string): Promise<Map<string, RemediationAttempt>> {
    const entries = await this.query<LedgerEntry>(tenantId, "c.type = 'ledger'", []);
    return new Map(
      entries.map(({ id: _id, tenantId: _tenant, type: _type, ...attempt }) => [
        ledgerKey(attempt.deviceId, attempt.subject),
        stripSystem(attempt),
      ]),
    );
  }

  async writeLedger(
    tenantId: string,
    upserts: readonly RemediationAttempt[],
    resolved: readonly { deviceId: string; subject: RemediationSubject }[],
  ): Promise<void> {
    await bulkWrite(
      this.container,
      tenantId,
      {
        upsert: upserts.map(
          (attempt): LedgerEntry => ({
            ...attempt,
            id: ledgerDocId(attempt.deviceId, attempt.subject),
            tenantId,
            type: 'ledger',
          }),
        ),
        delete: resolved.map((entry) => ledgerDocId(entry.deviceId, entry.subject)),
      },
      `write remediation ledger of ${tenantId}`,
    );
  }

  async putSweep(record: SweepRecord): Promise<void> {
    await cosmosCall(`write sweep ${record.sweepId} of ${record.tenantId}`, () =>
      this.container.items.upsert(record),
    );
  }

  async sweep(tenantId: string, sweepId: string): Promise<SweepRecord | undefined> {
    return this.read<SweepRecord>(tenantId, `sweep:${sweepId}`);
  }

  /** The latest `count` completed sweeps, newest first: the trend. */
  async recentSweeps(tenantId: string, count: number): Promise<SweepRecord[]> {
    const { resources } = await cosmosCall(`read sweeps of ${tenantId}`, () =>
      this.container.items
        .query<SweepRecord>(
          {
            query: `SELECT TOP ${Math.max(1, Math.floor(count))} * FROM c WHERE c.tenantId = @tenantId AND c.type = 'sweep' AND c.status = 'completed' ORDER BY c.windowAt DESC`,
            parameters: [{ name: '@tenantId', value: tenantId }],
          },
          { partitionKey: tenantId },
        )
        .fetchAll(),
    );
    return resources;
  }

  /** Of these alert ids, those already sent (a fleet alert goes out once a day, beyond the topic's dedupe window). */
  async alertsSent(tenantId: string, alertIds: readonly string[]): Promise<Set<string>> {
    const sent = await bulkRead<{ alertId: string }>(
      this.container,
      tenantId,
      alertIds.map((id) => `alert:${id}`),
      `read alerts sent in ${tenantId}`,
    );
    return new Set([...sent.values()].map((doc) => doc.alertId));
  }

  async markAlertsSent(tenantId: string, alertIds: readonly string[], at: string): Promise<void> {
    await bulkWrite(
      this.container,
      tenantId,
      {
        upsert: alertIds.map((alertId) => ({
          id: `alert:${alertId}`,
          tenantId,
          type: 'alert',
          alertId,
          sentAt: at,
        })),
      },
      `record alerts sent in ${tenantId}`,
    );
  }

  async settings(tenantId: string): Promise<SettingsRecord | undefined> {
    return this.read<SettingsRecord>(tenantId, 'settings');
  }

  async putSettings(record: SettingsRecord): Promise<void> {
    await cosmosCall(`write compliance settings of ${record.tenantId}`, () =>
      this.container.items.upsert(record),
    );
  }

  private read<T extends ItemDefinition>(tenantId: string, id: string): Promise<T | undefined> {
    return readInPartition<T>(this.container, tenantId, id, 'compliance');
  }

  private query<T>(
    tenantId: string,
    where: string,
    parameters: { name: string; value: string }[],
  ): Promise<T[]> {
    return queryInPartition<T>(this.container, tenantId, where, parameters, 'compliance');
  }
}

/** Cosmos's own fields (`_rid`, `_etag`, ...) are not part of a ledger entry. */
function stripSystem<T extends object>(doc: T): T {
  return Object.fromEntries(Object.entries(doc).filter(([key]) => !key.startsWith('_'))) as T;
}
