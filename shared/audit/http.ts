import { type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { toProblemResponse } from '../http/problem';
import { invocationLog } from '../logging';
import { parseOrThrow } from '../validation';
import { type AuditPage, type AuditQuery, auditQuerySchema } from './query';
import { type TenantVerification } from './verifier';

/**
 * `GET /api/v1/audit`: the operator sink, filtered by tenant, actor, action and time, paged by continuation token.
 * Who may call it (Audit.Read) is the operator API's to decide: this factory makes the handler for its route table.
 */
export function auditListHandler(deps: { query(q: AuditQuery): Promise<AuditPage> }) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    try {
      const q = parseOrThrow(auditQuerySchema, Object.fromEntries(request.query.entries()), 'audit query');
      const page = await deps.query(q);
      invocationLog(context, { tenantId: q.tenantId }).info(`Audit query: ${page.items.length} record(s)`);
      return { status: 200, jsonBody: page };
    } catch (error) {
      return toProblemResponse(error, request, context);
    }
  };
}

const verifyQuerySchema = z.object({ tenantId: z.string().min(1).max(64) });

/**
 * `GET /api/v1/audit/verify?tenantId=`: walks the tenant's chain in both sinks and reports the first record at fault
 * in each (200 either way: the report is the answer; `ok` says whether both are intact).
 */
export function auditVerifyHandler(deps: { verify(tenantId: string): Promise<TenantVerification> }) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    try {
      const { tenantId } = parseOrThrow(
        verifyQuerySchema,
        Object.fromEntries(request.query.entries()),
        'verify query',
      );
      const report = await deps.verify(tenantId);
      invocationLog(context, { tenantId }).info(`Audit verification: ${report.ok ? 'intact' : 'NOT intact'}`);
      return { status: 200, jsonBody: report };
    } catch (error) {
      return toProblemResponse(error, request, context);
    }
  };
}
