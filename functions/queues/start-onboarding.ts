import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { composition } from '../../shared/composition';
import { queueNames } from '../../shared/platform/declarations';

app.serviceBusQueue('startOnboarding', {
  connection: 'ServiceBusConnection',
  queueName: queueNames.deviceOrders,
  extraInputs: [df.input.durableClient()],
  handler: (message, context) => composition().onboarding.startFromQueue(message, context),
});
