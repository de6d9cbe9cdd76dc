import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { composition } from '../../shared/composition';

// One timer per cadence; schedules are settings (NCRONTAB), resolved by the host.
for (const [name, cadence, setting] of [
  ['telemetryHourly', 'hourly', 'TELEMETRY_HOURLY_SCHEDULE'],
  ['telemetrySixHourly', 'sixHourly', 'TELEMETRY_SIX_HOURLY_SCHEDULE'],
  ['telemetryDaily', 'daily', 'TELEMETRY_DAILY_SCHEDULE'],
] as const) {
  app.timer(name, {
    schedule: `%${setting}%`,
    extraInputs: [df.input.durableClient()],
    handler: (timer, context) => composition().telemetry.startRun(cadence)(timer, context),
  });
}
