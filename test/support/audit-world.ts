import { join } from 'node:path';
import { type Container } from '@azure/cosmos';
import { ServiceBusClient } from '@azure/service-bus';
import { type Clock, WallClock } from '@mds/platform-kit';
import { consoleLogSink, type HostHandle, type LogEntry, startHost } from '@mds/functions-host';
import { startServiceBus } from '@mds/servicebus-broker';
import { type App, composition, resetComposition } from '../../shared/composition';
import { type AuditEvent } from '../../shared/audit/contract';
import { messagingEntities } from '../../shared/platform/declarations';
import { provisionCustomerAuditSink } from '@mds/dev';
import { type ChainRecord } from '../../shared/audit/chain';
import { type TenantRecord } from '../../shared/domain/tenant';
import { secretNames } from '../../shared/platform/secret-names';
import { customerRecords, waitForRecords } from './audit-sinks';
import { customerAuditStorage, stackSettings } from './stack';

/**
 * The app on the local host against the shared stack, with a Service Bus broker of its own (test files run in
 * parallel, and a shared audit topic would hand one file's events to another file's host). Every log line the
 * host writes is kept, so tests can look for what must never be logged.
 */
export interface AuditWorld {
  host: HostHandle;
  app: App;
  serviceBus: ServiceBusClient;
  logs: LogEntry[];
  auditContainer: Container;
  /** A unique suffix for ids of this world. */
  run: string;
  /** A tenant record with an audit sink of its own (no simulated tenant behind it: the audit path needs none). */
  addTenant(name: string, options?: { blobServiceUri?: string }): Promise<TenantRecord>;
  /** The records of a tenant's customer sink, in storage order, read as the customer reads them. */
  customerRecords(tenantId: string): Promise<ChainRecord[]>;
  /** Waits until the customer sink has a record of each id. */
  waitForCustomerRecords(tenantId: string, ids: string[], timeoutMs?: number): Promise<ChainRecord[]>;
  /** Waits until the operator sink has a record of each id. */
  waitForOperatorRecords(chain: string, ids: string[], timeoutMs?: number): Promise<any[]>;
  stop(): Promise<void>;
}

export async function startAuditWorld(
  options: { clock?: Clock; settings?: Record<string, string> } = {},
): Promise<AuditWorld> {
  const clock = options.clock ?? new WallClock();
  const broker = await startServiceBus({ port: 0, entities: messagingEntities, clock });
  const logs: LogEntry[] = [];
  const echo = process.env.E2E_HOST_LOG ? consoleLogSink() : undefined;
  const host = await startHost({
    entry: join(__dirname, '../../functions/index.ts'),
    appRoot: join(__dirname, '../..'),
    clock,
    settings: { ...stackSettings(), ServiceBusConnection: broker.connectionString, ...options.settings },
    log: (entry) => {
      logs.push(entry);
      echo?.(entry);
    },
  });
  const app = composition();
  const serviceBus = new ServiceBusClient(broker.connectionString);
  const auditContainer = app.platform.container('audit');
  const run = Math.random().toString(36).slice(2, 8);
  const readCustomer = (tenantId: string) => customerRecords(app, tenantId);
  return {
    host,
    app,
    serviceBus,
    logs,
    auditContainer,
    run,
    async addTenant(name, options = {}) {
      const id = `${name.toLowerCase()}-${run}-${Math.random().toString(36).slice(2, 6)}`;
      const sink = await provisionCustomerAuditSink(customerAuditStorage(), id);
      const sasSecretName = secretNames.tenantAuditSinkSas(id);
      await app.platform.secrets.setSecret(sasSecretName, sink.sas);
      const record: TenantRecord = {
        id,
        displayName: name,
        status: 'active',
        updateRings: { test: 5, first: 15, fast: 30, broad: 50 },
        defaultUsageLocation: 'US',
        secretNames: { graphClientId: 'none', graphClientSecret: 'none' },
        auditSink: {
          blobServiceUri: options.blobServiceUri ?? sink.blobServiceUri,
          container: sink.container,
          sasSecretName,
        },
      };
      await app.tenants.upsert(record);
      return record;
    },
    customerRecords: readCustomer,
    waitForCustomerRecords: (tenantId, ids, timeoutMs) =>
      waitForRecords(() => readCustomer(tenantId), ids, 'customer sink', timeoutMs),
    async waitForOperatorRecords(chain, ids, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { resources } = await auditContainer.items
          .query({
            query: "SELECT * FROM c WHERE c.chain = @chain AND c.kind = 'record'",
            parameters: [{ name: '@chain', value: chain }],
          })
          .fetchAll();
        const found = resources.filter((r) => ids.includes(r.id));
        if (found.length >= ids.length) return found;
        if (Date.now() > deadline)
          throw new Error(`only ${found.length} of ${ids.length} records reached the operator sink`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      await serviceBus.close();
      await host.stop();
      await resetComposition();
      await broker.stop();
    },
  };
}

export function sampleEvent(overrides: Partial<AuditEvent> & { id: string }): AuditEvent {
  return {
    action: 'remediation.run',
    actor: { kind: 'service', functionName: 'remediateEncryption', instanceId: 'onboard:t:SERIAL' },
    target: { type: 'device', id: 'SERIAL-1' },
    outcome: 'succeeded',
    correlation: {},
    time: new Date().toISOString(),
    ...overrides,
  };
}
