// The app's entry (package.json `main`): importing a registration file registers its function with the host.
import './http/health';
