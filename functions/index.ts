// The app's entry (package.json `main`): each folder's index imports its registration files, and importing a
// registration file registers its function with the host. Start-up hooks first: residency stops a start-up outside the US.
import './hooks/residency';
import './http';
import './queues';
import './orchestrations';
import './activities';
import './timers';
