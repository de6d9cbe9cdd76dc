import { app } from '@azure/functions';
import { composition } from '../../shared/composition';
import { queueNames } from '../../shared/platform/declarations';

app.serviceBusQueue('remediateDevice', {
  connection: 'ServiceBusConnection',
  queueName: queueNames.remediations,
  handler: (message, context) => composition().compliance.remediate(message, context),
});
