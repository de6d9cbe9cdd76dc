import { app } from '@azure/functions';
import { composition } from '../../shared/composition';
import { httpEntry } from '../../shared/http/problem';

app.http('health', {
  route: 'api/health',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: httpEntry(() => composition().health.handler),
});
