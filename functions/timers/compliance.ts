import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { composition } from '../../shared/composition';
import { sweepTimer } from '../../shared/compliance/contract';

app.timer(sweepTimer.name, {
  schedule: `%${sweepTimer.scheduleSetting}%`,
  extraInputs: [df.input.durableClient()],
  handler: (timer, context) => composition().compliance.startSweeps(timer, context),
});
