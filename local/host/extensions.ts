import { serviceBusTriggerSource } from './servicebus/host-trigger-source';
import { registerTriggerSource } from './trigger-sources';

// The trigger kinds the local host serves through extensions, as the real host's extension bundle does.
registerTriggerSource('serviceBusTrigger', serviceBusTriggerSource);
