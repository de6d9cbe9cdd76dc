import type { HistoryEvent, IncomingEvent } from './history';

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'Failed' | 'Terminated';

export const terminalStatuses: ReadonlySet<RuntimeStatus> = new Set<RuntimeStatus>([
  'Completed',
  'Failed',
  'Terminated',
]);

export type InboxMessage =
  /** `executionId` pins task results to the execution that scheduled them; external events have none. */
  | { readonly kind: 'event'; readonly executionId: string | undefined; readonly event: IncomingEvent }
  | { readonly kind: 'terminate'; readonly reason: string };

export interface ParentLink {
  readonly instanceId: string;
  readonly executionId: string;
  readonly taskId: number;
}

export interface InstanceRecord {
  readonly instanceId: string;
  readonly name: string;
  readonly createdTime: number;
  readonly parent: ParentLink | undefined;
  executionId: string;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  runtimeStatus: RuntimeStatus;
  lastUpdatedTime: number;
  history: HistoryEvent[];
  inbox: InboxMessage[];
}

/**
 * Where orchestration instances live. The local host keeps them in memory (nothing survives a restart);
 * the engine only talks to this interface, so another store can replace it.
 */
export interface InstanceStore {
  get(instanceId: string): InstanceRecord | undefined;
  put(record: InstanceRecord): void;
  delete(instanceId: string): boolean;
  list(): InstanceRecord[];
}

export class MemoryInstanceStore implements InstanceStore {
  private readonly records = new Map<string, InstanceRecord>();

  get(instanceId: string): InstanceRecord | undefined {
    return this.records.get(instanceId);
  }

  put(record: InstanceRecord): void {
    this.records.set(record.instanceId, record);
  }

  delete(instanceId: string): boolean {
    return this.records.delete(instanceId);
  }

  list(): InstanceRecord[] {
    return [...this.records.values()];
  }
}
