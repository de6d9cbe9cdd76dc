import { app } from '@azure/functions';
import { dependencies } from '../../shared/dependencies';
import { healthHandler } from '../../shared/http/health-handler';

app.http('health', {
  route: 'health',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: healthHandler(dependencies),
});
