// The app's activities: importing a registration file registers its function with the host.
import './onboarding';
import './telemetry';
import './compliance';
import './provisioning';
import './access';
