// The app's orchestrators: importing a registration file registers its function with the host.
import './onboard-device';
import './watch-tenant';
import './telemetry';
import './compliance';
import './provisioning';
import './access';
