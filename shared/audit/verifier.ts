import { type Container } from '@azure/cosmos';
import { type TenantStore } from '../tenants/store';
import { type CustomerContainerResolver } from './customer-sink';
import { type AuditKeys } from './keys';
import { operatorEnvironmentChain } from './operator-sink';
import { verifyCustomerChain, verifyOperatorChain } from './readers';
import { type ChainReport } from './verify';

export interface TenantVerification {
  tenantId: string;
  ok: boolean;
  operator: ChainReport;
  /** Absent for the operator environment's own chain and for a tenant that names no sink. */
  customer?: ChainReport;
}

/** Verifies a tenant's chain in both sinks (`operator-environment` names the operator environment's own chain). */
export function auditVerifier(deps: {
  container: Container;
  customerContainer: CustomerContainerResolver;
  keys: AuditKeys;
  tenants: Pick<TenantStore, 'find'>;
}) {
  return async (tenantId: string): Promise<TenantVerification> => {
    const signing = await deps.keys.signingKey();
    const publicKeys = new Map([[signing.keyId, signing.publicKey]]);
    const operator = await verifyOperatorChain(deps.container, tenantId, publicKeys);
    let customer: ChainReport | undefined;
    if (tenantId !== operatorEnvironmentChain && (await deps.tenants.find(tenantId))?.auditSink) {
      try {
        const { container } = await deps.customerContainer(tenantId);
        customer = await verifyCustomerChain(container, tenantId, publicKeys);
      } catch (error) {
        customer = {
          sink: 'customer',
          chain: tenantId,
          ok: false,
          records: 0,
          lastSeq: 0,
          checkpoints: 0,
          lastCheckpointSeq: 0,
          unsignedTail: 0,
          unavailable: error instanceof Error ? error.message : String(error),
        };
      }
    }
    return {
      tenantId,
      ok: operator.ok && (customer?.ok ?? true),
      operator,
      ...(customer ? { customer } : {}),
    };
  };
}
