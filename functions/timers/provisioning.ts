import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { composition } from '../../shared/composition';
import { reconcileTimer } from '../../shared/provisioning/contract';

app.timer(reconcileTimer.name, {
  schedule: `%${reconcileTimer.scheduleSetting}%`,
  extraInputs: [df.input.durableClient()],
  handler: (timer, context) => composition().provisioning.startRun(timer, context),
});
