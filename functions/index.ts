// The app's entry (package.json `main`): importing a registration file registers its function with the host.
import './http/health';
import './http/autopilot-webhook';
import './queues/start-onboarding';
import './queues/deliver-audit-to-operator-sink';
import './queues/deliver-audit-to-customer-sink';
import './orchestrations/onboard-device';
import './orchestrations/watch-tenant';
import './activities/onboarding';
import './http/operator-api';
import './http/console';
import './timers/telemetry';
import './orchestrations/telemetry';
import './activities/telemetry';
import './timers/provisioning';
import './orchestrations/provisioning';
import './activities/provisioning';
