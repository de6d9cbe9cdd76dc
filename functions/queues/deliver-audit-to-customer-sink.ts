import { app } from '@azure/functions';
import { composition } from '../../shared/composition';
import { auditSubscriptionNames, topicNames } from '../../shared/platform/declarations';

app.serviceBusTopic('deliverAuditToCustomerSink', {
  connection: 'ServiceBusConnection',
  topicName: topicNames.auditEvents,
  subscriptionName: auditSubscriptionNames.customer,
  handler: (message, context) => composition().audit.deliverToCustomer(message, context),
});
