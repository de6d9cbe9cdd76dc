import { app } from '@azure/functions';
import { composition } from '../../shared/composition';
import { httpEntry } from '../../shared/http/problem';

app.http('autopilotWebhook', {
  route: 'api/autopilot/webhook',
  methods: ['POST'],
  // Authenticated by the delivery's HMAC signature, not by a function key.
  authLevel: 'anonymous',
  handler: httpEntry(() => composition().onboarding.webhook),
});
