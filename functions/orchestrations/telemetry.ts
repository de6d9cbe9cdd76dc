import * as df from 'durable-functions';
import { telemetryPullOrchestration, telemetryRunOrchestration } from '../../shared/telemetry/contract';
import { pullSourceOrchestrator } from '../../shared/telemetry/pull-source.orchestrator';
import { runTelemetryOrchestrator } from '../../shared/telemetry/run-telemetry.orchestrator';

df.app.orchestration(telemetryRunOrchestration, runTelemetryOrchestrator);
df.app.orchestration(telemetryPullOrchestration, pullSourceOrchestrator);
