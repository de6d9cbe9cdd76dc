import { app } from '@azure/functions';
import { composition } from '../../shared/composition';

// Until the operator API puts this handler behind its Audit.Read check, a function key guards it.
app.http('auditVerify', {
  route: 'v1/audit/verify',
  methods: ['GET'],
  authLevel: 'function',
  handler: (request, context) => composition().audit.verifyHandler(request, context),
});
