import { dependencies } from '../../shared/dependencies';
import { registerActivities } from '../../shared/durable/register-activity';
import { onboardingActivities } from '../../shared/onboarding/activities';
import { onboardingImplementations } from '../../shared/onboarding/activity-implementations';

registerActivities(
  onboardingActivities,
  onboardingImplementations(() => dependencies().onboarding),
);
