// The app's HTTP triggers: importing a registration file registers its function with the host.
import './health';
import './autopilot-webhook';
import './operator-api';
import './console';
