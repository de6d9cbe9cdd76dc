import { type Container } from '@azure/cosmos';
import { NotFoundError } from '../errors';
import { cosmosCall } from '../platform/cosmos/errors';
import { queryInPartition, readInPartition } from '../platform/cosmos/partition';
import { type Page, type PageRequest, queryPage } from '../platform/cosmos/paging';

export const readinessVerdicts = ['ready', 'advisory', 'notReady', 'error'] as const;
export type ReadinessVerdict = (typeof readinessVerdicts)[number];

export interface ReadinessCheck {
  check: string;
  verdict: ReadinessVerdict;
  detail: string;
  /** What to fix, when not ready. */
  fix?: string;
}

export interface ReadinessAssessment {
  verdict: ReadinessVerdict;
  assessedAt: string;
  checks: ReadinessCheck[];
}

export const driftStatuses = ['new', 'remediated', 'accepted', 'customerSpecific', 'denied'] as const;
export type DriftStatus = (typeof driftStatuses)[number];
export const deviationKinds = ['missing', 'changed', 'unexpected'] as const;
export type DeviationKind = (typeof deviationKinds)[number];

export interface DriftRecord {
  id: string;
  tenantId: string;
  type: 'drift';
  item: string;
  kind: DeviationKind;
  changedFields?: string[];
  detail: string;
  status: DriftStatus;
  handling: 'remediate' | 'report';
  firstSeen: string;
  lastSeen: string;
  remediatedAt?: string;
  accepted?: { by: string; at: string; reason: string };
}

interface StateDocument {
  id: 'state';
  tenantId: string;
  type: 'state';
  /** Object ids provisioning created, by desired item key: what is ours, as opposed to a name conflict. */
  created: Record<string, string>;
}

/** The `provisioning` container: readiness, created ids and drift records of one tenant share its partition. */
export class ProvisioningStore {
  constructor(private readonly container: Container) {}

  async readiness(tenantId: string): Promise<ReadinessAssessment | undefined> {
    const doc = await this.read<{ assessment: ReadinessAssessment }>(tenantId, 'readiness');
    return doc?.assessment;
  }

  async saveReadiness(tenantId: string, assessment: ReadinessAssessment): Promise<void> {
    const doc = { id: 'readiness', tenantId, type: 'readiness', assessment };
    await this.upsert(doc);
  }

  async created(tenantId: string): Promise<Record<string, string>> {
    return (await this.read<StateDocument>(tenantId, 'state'))?.created ?? {};
  }

  async saveCreated(tenantId: string, created: Record<string, string>): Promise<void> {
    const doc: StateDocument = { id: 'state', tenantId, type: 'state', created };
    await this.upsert(doc);
  }

  async drift(tenantId: string): Promise<DriftRecord[]> {
    // A reconcile prunes what it sees: only this tenant's records (queryInPartition keeps to the tenant).
    const resources = await queryInPartition<DriftRecord>(
      this.container,
      tenantId,
      "c.type = 'drift'",
      [],
      'drift',
    );
    return resources.map(strip);
  }

  /** One page of a tenant's drift, by status and kind when given, in id order. */
  async driftPage(
    tenantId: string,
    filter: { status?: DriftStatus | undefined; kind?: DeviationKind | undefined },
    page: PageRequest,
  ): Promise<Page<DriftRecord>> {
    const conditions = ['c.tenantId = @tenantId', "c.type = 'drift'"];
    const parameters = [{ name: '@tenantId', value: tenantId }];
    if (filter.status) {
      conditions.push('c.status = @status');
      parameters.push({ name: '@status', value: filter.status });
    }
    if (filter.kind) {
      conditions.push('c.kind = @kind');
      parameters.push({ name: '@kind', value: filter.kind });
    }
    const result = await queryPage<DriftRecord>(
      this.container,
      { query: `SELECT * FROM c WHERE ${conditions.join(' AND ')} ORDER BY c.id`, parameters },
      page,
      `page drift of ${tenantId}`,
    );
    return { ...result, items: result.items.map(strip) };
  }

  async driftRecord(tenantId: string, id: string): Promise<DriftRecord | undefined> {
    const doc = await this.read<DriftRecord>(tenantId, id);
    return doc?.type === 'drift' ? strip(doc) : undefined;
  }

  async saveDrift(record: DriftRecord): Promise<void> {
    await this.upsert(record);
  }

  /** Idempotent: a record already gone is what was asked for. */
  async deleteDrift(tenantId: string, id: string): Promise<void> {
    try {
      await cosmosCall(`delete drift ${id}`, () => this.container.item(id, tenantId).delete());
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }

  private async read<T>(tenantId: string, id: string): Promise<T | undefined> {
    return readInPartition<T & Record<string, unknown>>(this.container, tenantId, id, 'provisioning');
  }

  private async upsert(doc: object & { id: string; tenantId: string; type: string }): Promise<void> {
    await cosmosCall(`write provisioning ${doc.id}`, () => this.container.items.upsert(doc));
  }
}

function strip<T extends object>(doc: T): T {
  return Object.fromEntries(Object.entries(doc).filter(([name]) => !name.startsWith('_'))) as T;
}
