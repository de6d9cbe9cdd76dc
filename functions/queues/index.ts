// The app's Service Bus queue triggers: importing a registration file registers its function with the host.
import './start-onboarding';
import './deliver-audit-to-operator-sink';
import './deliver-audit-to-customer-sink';
import './remediate-device';
