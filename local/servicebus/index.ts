export { startServiceBus } from './broker';
export type { ServiceBusStandIn, ServiceBusStandInOptions } from './broker';
export { startServiceBusTrigger } from './trigger-source';
export type {
  ServiceBusTriggerEntity,
  ServiceBusTriggerOptions,
  ServiceBusTriggerSource,
} from './trigger-source';
export { serviceBusTriggerInput, serviceBusTriggerMetadata } from './trigger-metadata';
