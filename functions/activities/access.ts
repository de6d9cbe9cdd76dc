import { accessActivities } from '../../shared/access/contract';
import { composition } from '../../shared/composition';
import { registerActivities } from '../../shared/platform/activity-registration';

registerActivities(accessActivities, () => composition().access.activities);
