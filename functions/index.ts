// The app's entry (package.json `main`): importing a registration file registers its function with the host.
import './http/health';
import './http/autopilot-webhook';
import './queues/start-onboarding';
import './orchestrations/onboard-device';
import './orchestrations/watch-tenant';
import './activities/onboarding';
