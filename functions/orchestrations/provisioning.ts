import * as df from 'durable-functions';
import * as names from '../../shared/provisioning/contract';
import * as tenant from '../../shared/provisioning/provision-tenant.orchestrator';
import { reconcileAllOrchestrator } from '../../shared/provisioning/reconcile-all.orchestrator';

df.app.orchestration(names.provisionOrchestration, tenant.provisionTenantOrchestrator);
df.app.orchestration(names.reconcileTenantOrchestration, tenant.reconcileTenantOrchestrator);
df.app.orchestration(names.reconcileAllOrchestration, reconcileAllOrchestrator);
