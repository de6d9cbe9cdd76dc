import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { dependencies } from '../../shared/dependencies';
import { enqueueOnboardings } from '../../shared/onboarding/order-queue';
import { autopilotWebhookHandler } from '../../shared/onboarding/webhook-handler';

app.http('autopilotWebhook', {
  route: 'autopilot/webhook',
  methods: ['POST'],
  // Authenticated by the delivery's HMAC signature, not by a function key.
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: autopilotWebhookHandler(() => {
    const deps = dependencies();
    return {
      webhookSecret: deps.webhookSecret,
      findTenant: (id) => deps.tenants.find(id),
      deliveries: deps.deliveries,
      enqueue: (requests) => enqueueOnboardings(deps.deviceOrders, requests),
      statusUrl: (context, instanceId) =>
        df.getClient(context).createHttpManagementPayload(instanceId).statusQueryGetUri,
      enrollmentDeadline: deps.config.ENROLLMENT_DEADLINE,
      maxBodyBytes: deps.config.WEBHOOK_MAX_BODY_BYTES,
      now: Date.now,
    };
  }),
});
