import { app } from '@azure/functions';
import { composition } from '../../shared/composition';

app.http('health', {
  route: 'health',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: (request, context) => composition().health.handler(request, context),
});
