import { composition } from '../../shared/composition';
import { complianceActivities } from '../../shared/compliance/contract';
import { registerActivities } from '../../shared/platform/activity-registration';

registerActivities(complianceActivities, () => composition().compliance.activities);
