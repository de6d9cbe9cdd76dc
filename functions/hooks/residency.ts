import { app } from '@azure/functions';
import { composition } from '../../shared/composition';

// Start-up refuses to run with a store outside the US: the error names the store and its region.
app.hook.appStart(async () => {
  await composition().platform.residency.enforce();
});
