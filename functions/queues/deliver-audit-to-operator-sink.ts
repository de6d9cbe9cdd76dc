import { app } from '@azure/functions';
import { composition } from '../../shared/composition';
import { auditSubscriptionNames, topicNames } from '../../shared/platform/declarations';

app.serviceBusTopic('deliverAuditToOperatorSink', {
  connection: 'ServiceBusConnection',
  topicName: topicNames.auditEvents,
  subscriptionName: auditSubscriptionNames.operator,
  handler: (message, context) => composition().audit.deliverToOperator(message, context),
});
