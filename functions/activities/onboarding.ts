import { composition } from '../../shared/composition';
import { onboardingActivities, watchActivities } from '../../shared/onboarding/contract';
import { registerActivities } from '../../shared/platform/activity-registration';

// With a Durable client: the wait registration starts the tenant's watcher, the watcher's round raises events.
registerActivities(onboardingActivities, () => composition().onboarding.activities, { durableClient: true });
registerActivities(watchActivities, () => composition().onboarding.watchActivities, { durableClient: true });
