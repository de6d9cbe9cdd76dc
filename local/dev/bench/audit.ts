import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WallClock, type Benchmark, type Measurement, timed } from '@mds/platform-kit';
import { consoleLogSink, type HostHandle, startHost, startServiceBusTrigger } from '@mds/functions-host';
import { startServiceBus } from '@mds/servicebus-broker';
import { ServiceBusClient } from '@azure/service-bus';
import { type ContainerClient } from '@azure/storage-blob';
import { provisionCustomerAuditSink, startStack } from '../stack';
import { type AuditEvent } from '../../../shared/audit/contract';
import { customerSinkLayout, parseLines } from '../../../shared/audit/customer-sink';
import { composition, resetComposition } from '../../../shared/composition';
import { type TenantRecord } from '../../../shared/domain/tenant';
import { auditSubscriptionNames, messagingEntities, topicNames } from '../../../shared/platform/declarations';
import { auditMessage } from '../../../shared/audit/port';
import { secretNames } from '../../../shared/platform/secret-names';

const events = 2000;
const tenants = 10;
const inFlight = 50;
const deliveryTimeoutMs = 5 * 60_000;
/** Messages a Service Bus trigger processes at once (host.json `maxConcurrentCalls`, the local host's default). */
const triggerConcurrency = 16;

/**
 * The audit trail through the whole app on the local stack: `record()` accepts events (Service Bus), the two sink
 * triggers deliver them (Cosmos chain; the customer's append-blob chain in the second Azurite account), spread over
 * ten tenants' chains. Beside it, in the same run and against the same Cosmos, plain upserts: the most a Cosmos-bound
 * writer could do here. Delivery is timed from the first accepted event to the last one in both sinks.
 */
export const auditTrail: Benchmark = {
  name: `Audit trail: ${events} events over ${tenants} tenants, ${inFlight} record() calls in flight`,
  /**
   * In a process of its own: @azure/identity keeps managed-identity tokens process-wide, so after an earlier
   * benchmark's stack this one's Key Vault would be offered the other stack's token.
   */
  run: async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [__filename, childFlag], {
      maxBuffer: 16 * 1024 * 1024,
      env: process.env,
    });
    const last = stdout.trim().split('\n').pop() ?? '[]';
    return JSON.parse(last) as Measurement[];
  },
};

const childFlag = '--audit-bench-child';

if (require.main === module && process.argv.includes(childFlag)) {
  measure().then(
    (measurements) => {
      process.stdout.write(`\n${JSON.stringify(measurements)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

async function measure(): Promise<Measurement[]> {
  const clock = new WallClock();
  const stack = await startStack({ clock, ports: 'ephemeral', withTenantSimulator: false });
  let host: HostHandle | undefined;
  try {
    host = await startHost({
      entry: join(__dirname, '..', '..', '..', 'functions', 'index.js'),
      appRoot: join(__dirname, '..', '..', '..', '..'),
      clock,
      settings: stack.settings,
      log: process.env.BENCH_HOST_LOG ? consoleLogSink() : () => undefined,
    });
    const app = composition();
    const records: TenantRecord[] = [];
    for (let t = 0; t < tenants; t++) {
      const id = `bench-audit-${t}`;
      const sink = await provisionCustomerAuditSink(stack.customerAuditStorage, id);
      await app.platform.secrets.setSecret(secretNames.tenantAuditSinkSas(id), sink.sas);
      const record: TenantRecord = {
        id,
        displayName: `Bench ${t}`,
        status: 'active',
        updateRings: { test: 5, first: 15, fast: 30, broad: 50 },
        defaultUsageLocation: 'US',
        secretNames: { graphClientId: 'none', graphClientSecret: 'none' },
        auditSink: {
          blobServiceUri: sink.blobServiceUri,
          container: sink.container,
          sasSecretName: secretNames.tenantAuditSinkSas(id),
        },
      };
      await app.tenants.upsert(record);
      records.push(record);
    }

    // Raw upserts of audit-sized documents into the stack's Cosmos, through the app's client.
    const raw = app.platform.container('audit');
    const upsert = (run: string) => (i: number) =>
      raw.items.upsert({
        id: `raw-${run}-${i}`,
        chain: `raw-${i % tenants}`,
        kind: 'raw',
        event: sample(run, i),
      });
    await timed(200, inFlight, upsert('warmup'));
    const rawMs = await timed(events, inFlight, upsert('measured'));

    // Warm the triggers, keys and sink clients, then measure.
    await timed(tenants * 5, inFlight, (i) => app.audit.port.record(sample('warmup', i)));
    await waitForDelivered(app, records, 5, deliveryTimeoutMs);
    const started = performance.now();
    const acceptMs = await timed(events, inFlight, (i) => app.audit.port.record(sample('measured', i)));
    await waitForDelivered(app, records, 5 + events / tenants, deliveryTimeoutMs);
    const deliverMs = performance.now() - started;
    // Each sink on its own, appending as the trigger does (16 at a time), without Service Bus in between.
    const direct = async (sink: 'operator' | 'customer'): Promise<number> => {
      const key = await app.audit.keys.hashKey(sink);
      const { projectFor } = await import('../../../shared/audit/projection');
      return timed(events, triggerConcurrency, (i) => {
        const event = sample(`direct-${sink}`, i);
        const projected = { ...projectFor(sink, event, key), id: event.id };
        return sink === 'operator'
          ? app.audit.operatorSink.append(event.tenantId!, projected)
          : app.audit.customerSink.append(event.tenantId!, projected);
      });
    };
    const operatorMs = await direct('operator');
    const customerMs = await direct('customer');
    const triggerMs = await triggerPathAlone();
    const verified = await Promise.all(records.map((r) => app.audit.verify(r.id)));
    const intact = verified.filter((v) => v.ok).length;
    return [
      {
        label: 'Cosmos upserts',
        operations: events,
        ms: rawMs,
        details: `${inFlight} in flight, audit-sized documents, the baseline`,
      },
      {
        label: 'accepted',
        operations: events,
        ms: acceptMs,
        details: 'record() resolved: on the audit topic',
      },
      {
        label: 'operator sink alone',
        operations: events,
        ms: operatorMs,
        details: `appends to the Cosmos chains, ${triggerConcurrency} in flight, no Service Bus`,
      },
      {
        label: 'customer sink alone',
        operations: events,
        ms: customerMs,
        details: `appends to the append-blob chains, ${triggerConcurrency} in flight, no Service Bus`,
      },
      {
        label: 'trigger path alone',
        operations: events,
        ms: triggerMs,
        details:
          "the same messages through a broker of their own to both subscriptions' triggers, handlers that do nothing",
      },
      {
        label: 'in both sinks',
        operations: events,
        ms: deliverMs,
        details: `from the first record() to the last event in both sinks; chains intact in both sinks: ${intact} of ${tenants}`,
      },
    ] satisfies Measurement[];
  } finally {
    await host?.stop();
    await resetComposition();
    await stack.stop();
  }
}

/**
 * What the local platform alone allows: the audit messages through the Service Bus stand-in to the two
 * subscriptions' triggers (the local host's trigger source, which settles one message at a time), with no sink.
 */
async function triggerPathAlone(): Promise<number> {
  const broker = await startServiceBus({ port: 0, entities: messagingEntities });
  const client = new ServiceBusClient(broker.connectionString);
  const sender = client.createSender(topicNames.auditEvents);
  const received = { operator: 0, customer: 0 };
  let finished: () => void = () => undefined;
  const allReceived = new Promise<void>((resolve) => (finished = resolve));
  const triggers = (['operator', 'customer'] as const).map((sink) =>
    startServiceBusTrigger(
      {
        connectionString: broker.connectionString,
        topicName: topicNames.auditEvents,
        subscriptionName: auditSubscriptionNames[sink],
        maxConcurrentCalls: triggerConcurrency,
      },
      () => {
        received[sink]++;
        if (received.operator >= events && received.customer >= events) finished();
        return Promise.resolve();
      },
    ),
  );
  try {
    const started = performance.now();
    await timed(events, inFlight, (i) => sender.sendMessages(auditMessage(sample('trigger', i))));
    await allReceived;
    return performance.now() - started;
  } finally {
    await Promise.all(triggers.map((t) => t.close()));
    await sender.close();
    await client.close();
    await broker.stop();
  }
}

function sample(run: string, i: number): AuditEvent {
  return {
    id: `bench-${run}-${i}`,
    action: 'remediation.run',
    actor: {
      kind: 'service',
      functionName: 'remediateEncryption',
      instanceId: `onboard:bench-audit-${i % tenants}:SN${i}`,
    },
    tenantId: `bench-audit-${i % tenants}`,
    target: {
      type: 'device',
      id: `SN${i}`,
      customerPersonal: { deviceName: `BENCH-PC-${i}`, userPrincipalName: `user${i}@bench.example` },
    },
    outcome: 'succeeded',
    reason: 'BitLocker not verified: device sync and recovery key rotation',
    correlation: { invocationId: `inv-${i}` },
    time: new Date().toISOString(),
  };
}

/** Waits until every tenant's chain holds `perTenant` records in both sinks (read from their ends, not listed). */
async function waitForDelivered(
  app: ReturnType<typeof composition>,
  tenantRecords: TenantRecord[],
  perTenant: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const containers = await Promise.all(
    tenantRecords.map(async (t) => (await app.audit.customerContainer(t.id)).container),
  );
  for (;;) {
    const counts = await Promise.all(
      tenantRecords.map(async (t, i) => {
        const head = await app.platform.container('audit').item('_head', t.id).read<{ seq: number }>();
        return Math.min(head.resource?.seq ?? 0, await customerSeq(containers[i]!));
      }),
    );
    if (counts.every((c) => c >= perTenant)) return;
    if (Date.now() > deadline)
      throw new Error(`audit delivery did not finish: ${counts.join(', ')} of ${perTenant}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The last record's sequence number in a customer sink: the tail of its last segment. */
async function customerSeq(container: ContainerClient): Promise<number> {
  let last: string | undefined;
  for await (const blob of container.listBlobsFlat({ prefix: customerSinkLayout.segmentPrefix }))
    last = blob.name;
  if (!last) return 0;
  const blob = container.getBlobClient(last);
  const { contentLength = 0 } = await blob.getProperties();
  if (contentLength === 0) return 0;
  const offset = Math.max(0, contentLength - 16 * 1024);
  const text = (await blob.downloadToBuffer(offset)).toString('utf8');
  const lines = text.split('\n').filter(Boolean);
  const tail = parseLines(lines[lines.length - 1] ?? '');
  return tail[0]?.seq ?? 0;
}
