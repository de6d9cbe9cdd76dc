import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { queueNames } from '../../shared/messaging/entities';
import { startOnboardingHandler } from '../../shared/onboarding/start-handler';

app.serviceBusQueue('startOnboarding', {
  connection: 'ServiceBusConnection',
  queueName: queueNames.deviceOrders,
  extraInputs: [df.input.durableClient()],
  handler: startOnboardingHandler((context) => df.getClient(context)),
});
