import * as df from 'durable-functions';
import { watchOrchestration } from '../../shared/onboarding/contract';
import { watchTenantOrchestrator } from '../../shared/onboarding/watcher/watch-tenant.orchestrator';

df.app.orchestration(watchOrchestration, watchTenantOrchestrator);
