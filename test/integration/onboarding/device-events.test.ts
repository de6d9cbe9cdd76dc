import { ServiceBusClient } from '@azure/service-bus';
import { startServiceBus } from '@mds/servicebus-broker';
import { onboardingEvent } from '../../../shared/onboarding/events';
import { publishDeviceEvent } from '../../../shared/platform/cloud-events';
import {
  deviceEventsSubscriptionNames,
  messagingEntities,
  topicNames,
} from '../../../shared/platform/declarations';

/** The app's own entity declarations on the broker, through the real SDK. */
describe('device-events', () => {
  it('drops a republished event: its id is its message id and the topic detects duplicates', async () => {
    const broker = await startServiceBus({ port: 0, entities: messagingEntities });
    const client = new ServiceBusClient(broker.connectionString);
    try {
      const sender = client.createSender(topicNames.deviceEvents);
      const event = onboardingEvent({
        instanceId: 'onboard:t1:SN-1',
        request: {
          tenantId: 't1',
          orderId: 'order-1',
          serialNumber: 'SN-1',
          hardwareHash: 'aGFzaA==',
          groupTag: 'MDS',
          assignedUserPrincipalName: 'user@contoso.example',
          acceptedAt: '2026-01-01T00:00:00.000Z',
          enrollmentDeadline: 'P14D',
        },
        steps: [],
        observed: {},
        outcome: {
          status: 'failed',
          reason: 'enrollmentTimedOut',
          detail: 'The device did not enroll in time.',
        },
        startedAt: '2026-01-01T00:00:00.000Z',
        endedAt: '2026-01-15T00:00:00.000Z',
      });
      await publishDeviceEvent(sender, event);
      await publishDeviceEvent(sender, event);
      const receiver = client.createReceiver(
        topicNames.deviceEvents,
        deviceEventsSubscriptionNames.allEvents,
        {
          receiveMode: 'receiveAndDelete',
        },
      );
      const received = await receiver.receiveMessages(10, { maxWaitTimeInMs: 1_000 });
      const more = await receiver.receiveMessages(10, { maxWaitTimeInMs: 500 });
      expect([...received, ...more].map((m) => m.messageId)).toEqual([event.id]);
      await receiver.close();
    } finally {
      await client.close();
      await broker.stop();
    }
  });
});
