import { type Container, type SqlParameter } from '@azure/cosmos';
import { z } from 'zod';
import { ValidationError } from '../errors';
import { cosmosCall } from '../platform/cosmos/errors';
import { type ChainRecord } from './chain';
import { auditActions } from './contract';

export const auditQuerySchema = z.object({
  tenantId: z.string().min(1).max(64).optional(),
  /** An operator's object id, or a service function's name. */
  actor: z.string().min(1).max(256).optional(),
  action: z.enum(auditActions).optional(),
  /** ISO 8601; events at or after. */
  from: z.iso.datetime({ offset: true }).optional(),
  /** ISO 8601; events before. */
  to: z.iso.datetime({ offset: true }).optional(),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
  continuationToken: z.string().min(1).max(8192).optional(),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

export interface AuditPage {
  items: Pick<ChainRecord, 'chain' | 'seq' | 'hash' | 'recordedAt' | 'event'>[];
  /** Present while more records match: pass it back as `continuationToken` for the next page. */
  continuationToken?: string;
}

/**
 * A page of the operator sink, newest event first. The SDK's continuation token is opaque JSON; it travels
 * base64url-encoded so that it fits in a query string.
 */
export async function queryAuditRecords(container: Container, q: AuditQuery): Promise<AuditPage> {
  const where = ["c.kind = 'record'"];
  const parameters: SqlParameter[] = [];
  const add = (clause: string, name: string, value: string) => {
    where.push(clause);
    parameters.push({ name, value });
  };
  if (q.tenantId) add('c.chain = @tenant', '@tenant', q.tenantId);
  if (q.actor) add('(c.event.actor.oid = @actor OR c.event.actor.functionName = @actor)', '@actor', q.actor);
  if (q.action) add('c.event.action = @action', '@action', q.action);
  if (q.from) add('c.event.time >= @from', '@from', new Date(q.from).toISOString());
  if (q.to) add('c.event.time < @to', '@to', new Date(q.to).toISOString());
  let continuationToken: string | undefined;
  if (q.continuationToken) {
    try {
      continuationToken = Buffer.from(q.continuationToken, 'base64url').toString('utf8');
      JSON.parse(continuationToken);
    } catch {
      throw new ValidationError('The continuation token is not one this API issued.', [
        { field: 'continuationToken', message: 'must be a token from a previous page' },
      ]);
    }
  }
  const iterator = container.items.query<ChainRecord>(
    {
      query: `SELECT c.chain, c.seq, c.hash, c.recordedAt, c.event FROM c WHERE ${where.join(' AND ')} ORDER BY c.event.time DESC`,
      parameters,
    },
    {
      maxItemCount: q.pageSize,
      ...(q.tenantId ? { partitionKey: q.tenantId } : {}),
      ...(continuationToken ? { continuationToken } : {}),
    },
  );
  const page = await cosmosCall('query the audit trail', () => iterator.fetchNext());
  return {
    items: page.resources,
    ...(page.continuationToken
      ? { continuationToken: Buffer.from(page.continuationToken, 'utf8').toString('base64url') }
      : {}),
  };
}
