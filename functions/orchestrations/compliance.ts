import * as df from 'durable-functions';
import { sweepTenantOrchestration } from '../../shared/compliance/contract';
import { sweepTenantOrchestrator } from '../../shared/compliance/sweep-tenant.orchestrator';

df.app.orchestration(sweepTenantOrchestration, sweepTenantOrchestrator);
