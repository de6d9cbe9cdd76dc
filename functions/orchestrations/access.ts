import * as df from 'durable-functions';
import * as access from '../../shared/access/contract';
import { credentialRequestOrchestrator } from '../../shared/access/credential-request.orchestrator';
import { credentialRotationOrchestrator } from '../../shared/access/credential-rotation.orchestrator';
import { scheduledRotationOrchestrator } from '../../shared/access/scheduled-rotation.orchestrator';

df.app.orchestration(access.credentialRequestOrchestration, credentialRequestOrchestrator);
df.app.orchestration(access.credentialRotationOrchestration, credentialRotationOrchestrator);
df.app.orchestration(access.scheduledRotationOrchestration, scheduledRotationOrchestrator);
