import * as df from 'durable-functions';
import { onboardingOrchestration } from '../../shared/onboarding/contract';
import { onboardDeviceOrchestrator } from '../../shared/onboarding/onboard-device.orchestrator';

df.app.orchestration(onboardingOrchestration, onboardDeviceOrchestrator);
