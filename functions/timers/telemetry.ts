import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { composition } from '../../shared/composition';
import { telemetryTimers } from '../../shared/telemetry/contract';

for (const { name, cadence, scheduleSetting } of telemetryTimers) {
  app.timer(name, {
    schedule: `%${scheduleSetting}%`,
    extraInputs: [df.input.durableClient()],
    handler: (timer, context) => composition().telemetry.startRun(cadence)(timer, context),
  });
}
