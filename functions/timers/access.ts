import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { rotationTimer } from '../../shared/access/contract';
import { composition } from '../../shared/composition';

app.timer(rotationTimer.name, {
  schedule: `%${rotationTimer.scheduleSetting}%`,
  extraInputs: [df.input.durableClient()],
  handler: (timer, context) => composition().access.startScheduledRotation(timer, context),
});
