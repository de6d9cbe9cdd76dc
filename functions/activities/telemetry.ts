import { composition } from '../../shared/composition';
import { registerActivities } from '../../shared/platform/activity-registration';
import { telemetryActivities } from '../../shared/telemetry/contract';

registerActivities(telemetryActivities, () => composition().telemetry.activities);
