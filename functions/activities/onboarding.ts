import { composition } from '../../shared/composition';
import { onboardingActivities } from '../../shared/onboarding/contract';
import { registerActivities } from '../../shared/platform/activity-registration';

registerActivities(onboardingActivities, () => composition().onboarding.activities);
