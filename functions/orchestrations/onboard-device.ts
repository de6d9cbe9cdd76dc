import * as df from 'durable-functions';
import { onboardDeviceOrchestrator } from '../../shared/onboarding/onboard-device.orchestrator';
import { onboardingOrchestration } from '../../shared/onboarding/start-onboarding';

df.app.orchestration(onboardingOrchestration, onboardDeviceOrchestrator);
