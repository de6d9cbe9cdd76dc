import { app } from '@azure/functions';
import { composition } from '../../shared/composition';

// Until the operator API puts this handler behind its Audit.Read check, a function key guards it.
app.http('auditList', {
  route: 'v1/audit',
  methods: ['GET'],
  authLevel: 'function',
  handler: (request, context) => composition().audit.listHandler(request, context),
});
