/**
 * Service Bus stand-in for the offline platform: an AMQP 1.0 broker on rhea that the real `@azure/service-bus`
 * client talks to (`...;UseDevelopmentEmulator=true`). It builds the queues, topics and subscriptions of the
 * `EntitiesDeclaration` it is given; the schema is the broker's own.
 */
export { startServiceBus } from './broker';
export type { ServiceBusStandIn, ServiceBusStandInOptions } from './broker';
export type {
  ApplicationPropertyValue,
  CorrelationFilter,
  EntitiesDeclaration,
  IsoDuration,
  QueueDeclaration,
  ReceivableEntitySettings,
  SubscriptionDeclaration,
  SubscriptionRule,
  TopicDeclaration,
} from './entities';
export { measureServiceBus, serviceBusThroughput } from './measure';
