import { type AuditPort } from '../../audit/contract';
import { ForbiddenError } from '../../errors';
import { ineligibility, type OperatorRecord } from '../operator-record';
import { audited, auditEvent, type OperatorApiImplementations } from '../endpoint';
import { type OperatorStore } from '../store';

export interface RegistryDependencies {
  operators: Pick<OperatorStore, 'list' | 'upsert'>;
  audit: AuditPort;
  now(): Date;
}

function view(record: OperatorRecord, now: Date) {
  const ineligibleBecause = ineligibility(record, now);
  return { ...record, eligible: ineligibleBecause.length === 0, ineligibleBecause };
}

export function registryHandlers(
  deps: RegistryDependencies,
): Pick<OperatorApiImplementations, 'listOperators' | 'putOperator'> {
  return {
    listOperators: async () => {
      const now = deps.now();
      return { status: 200, jsonBody: { operators: (await deps.operators.list()).map((r) => view(r, now)) } };
    },
    putOperator: async ({ caller, params, body, context }) => {
      const oid = params.oid.toLowerCase();
      // Two people for every change of who may act: nobody extends their own check, scope or enablement.
      if (oid === caller.principal.oid)
        throw new ForbiddenError('Operators cannot change their own registry record; ask another operator.', {
          reason: 'selfChange',
        });
      const now = deps.now();
      const record: OperatorRecord = {
        id: oid,
        ...body,
        updatedAt: now.toISOString(),
        updatedBy: caller.principal.oid,
      };
      const event = auditEvent('operator.update', caller, context, now, {
        id: `operator.update:${context.invocationId}`,
        outcome: 'succeeded',
        target: { type: 'operator', id: oid },
        reason: body.enabled ? 'enabled' : 'disabled',
      });
      const result = await audited(deps.audit, event, context, () => deps.operators.upsert(record));
      return { status: result === 'created' ? 201 : 200, jsonBody: view(record, now) };
    },
  };
}
