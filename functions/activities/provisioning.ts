import { composition } from '../../shared/composition';
import { registerActivities } from '../../shared/platform/activity-registration';
import { provisioningActivities } from '../../shared/provisioning/contract';

registerActivities(provisioningActivities, () => composition().provisioning.activities);
