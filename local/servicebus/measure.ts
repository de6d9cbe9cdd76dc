import { ServiceBusClient, type ServiceBusMessage } from '@azure/service-bus';
import { type Benchmark, type Measurement, perSecond, timed } from '@mds/platform-kit';
import { startServiceBus } from './broker';

const singles = 1_000;
const concurrentSingles = 2_000;
const batched = 10_000;
const batchSize = 100;
const streamed = 5_000;

function deviceEvent(i: number): ServiceBusMessage {
  return {
    body: {
      deviceId: `device-${i}`,
      tenantId: `tenant-${i % 20}`,
      state: 'healthy',
      at: new Date(0).toISOString(),
    },
    subject: 'device.healthChanged',
    applicationProperties: { tenantId: `tenant-${i % 20}` },
  };
}

/**
 * Throughput of the broker through the real `ServiceBusClient` on loopback, one process for broker and client:
 * single sends (1 and 20 in flight), batch sends, peek-lock receive + complete (batches of 100), and `subscribe()`
 * with 32 concurrent handlers and auto-complete. Also the broker's start time.
 */
export async function measureServiceBus(): Promise<{
  startMs: number;
  firstSendMs: number;
  measurements: Measurement[];
}> {
  const started = performance.now();
  const broker = await startServiceBus({
    entities: { queues: [{ name: 'singles' }, { name: 'batches' }, { name: 'stream' }], topics: [] },
  });
  const startMs = performance.now() - started;
  const client = new ServiceBusClient(broker.connectionString);
  try {
    const measurements: Measurement[] = [];
    const singlesSender = client.createSender('singles');
    // Connection, CBS and link set-up: paid once per client, kept out of the throughput numbers.
    const firstSendStarted = performance.now();
    await singlesSender.sendMessages(deviceEvent(-1));
    const firstSendMs = performance.now() - firstSendStarted;

    measurements.push({
      label: 'send 1 in flight',
      operations: singles,
      ms: await timed(singles, 1, (i) => singlesSender.sendMessages(deviceEvent(i))),
    });
    measurements.push({
      label: 'send 20 in flight',
      operations: concurrentSingles,
      ms: await timed(concurrentSingles, 20, (i) => singlesSender.sendMessages(deviceEvent(i))),
    });

    const batchSender = client.createSender('batches');
    measurements.push({
      label: `send batches of ${batchSize}`,
      operations: batched,
      ms: await timed(batched / batchSize, 1, async (b) => {
        const batch = await batchSender.createMessageBatch();
        for (let i = 0; i < batchSize; i++) {
          if (!batch.tryAddMessage(deviceEvent(b * batchSize + i))) throw new Error('batch full');
        }
        await batchSender.sendMessages(batch);
      }),
    });

    const receiver = client.createReceiver('batches');
    let completed = 0;
    const receiveStarted = performance.now();
    while (completed < batched) {
      const messages = await receiver.receiveMessages(batchSize, { maxWaitTimeInMs: 5_000 });
      if (messages.length === 0) throw new Error(`only ${completed} of ${batched} messages arrived`);
      await Promise.all(messages.map((message) => receiver.completeMessage(message)));
      completed += messages.length;
    }
    measurements.push({
      label: 'receive + complete',
      operations: batched,
      ms: performance.now() - receiveStarted,
    });

    const streamSender = client.createSender('stream');
    for (let b = 0; b < streamed / batchSize; b++) {
      await streamSender.sendMessages(
        Array.from({ length: batchSize }, (_, i) => deviceEvent(b * batchSize + i)),
      );
    }
    measurements.push({
      label: 'subscribe() x32',
      operations: streamed,
      ms: await streamAll(client, streamed),
    });
    return { startMs, firstSendMs, measurements };
  } finally {
    await client.close();
    await broker.stop();
  }
}

async function streamAll(client: ServiceBusClient, count: number): Promise<number> {
  const receiver = client.createReceiver('stream');
  let handled = 0;
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    receiver.subscribe(
      {
        processMessage: () => {
          if (++handled === count) resolve();
          return Promise.resolve();
        },
        processError: ({ error }) => Promise.resolve(reject(error)),
      },
      { maxConcurrentCalls: 32, autoCompleteMessages: true },
    );
  });
  const ms = performance.now() - started;
  await receiver.close();
  return ms;
}

export const serviceBusThroughput: Benchmark = {
  name: 'Service Bus stand-in (real ServiceBusClient over AMQP, loopback)',
  run: async () => (await measureServiceBus()).measurements,
};

if (require.main === module) {
  measureServiceBus()
    .then(({ startMs, firstSendMs, measurements }) => {
      console.log(
        `broker start: ${startMs.toFixed(1)} ms; first send (connect, CBS, attach): ${firstSendMs.toFixed(1)} ms`,
      );
      for (const m of measurements) {
        console.log(
          `${m.label.padEnd(22)} ${String(m.operations).padStart(6)} msgs ${m.ms.toFixed(0).padStart(6)} ms ` +
            `${perSecond(m).toFixed(0).padStart(6)} msgs/s`,
        );
      }
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
