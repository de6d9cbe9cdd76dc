// The app's timer triggers: importing a registration file registers its function with the host.
import './telemetry';
import './compliance';
import './provisioning';
import './access';
