import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { composition } from '../../shared/composition';

app.http('autopilotWebhook', {
  route: 'autopilot/webhook',
  methods: ['POST'],
  // Authenticated by the delivery's HMAC signature, not by a function key.
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: (request, context) => composition().onboarding.webhook(request, context),
});
