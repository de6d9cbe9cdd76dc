/**
 * Writes fail closed on the audit port: when record() throws, nothing is changed and the caller gets 503 with
 * Retry-After. Driven through the endpoint pipeline with @azure/functions' public HttpRequest and InvocationContext;
 * the token verifier and stores are in-memory stand-ins of the ports the pipeline takes, not SDK mocks.
 */
import { HttpRequest, InvocationContext } from '@azure/functions';
import { type AuditEvent, type AuditPort } from '../../../../shared/audit/contract';
import { type TenantRecord } from '../../../../shared/domain/tenant';
import { DependencyUnavailableError } from '../../../../shared/errors';
import { type OperatorPrincipal } from '../../../../shared/operators/contract';
import { operatorEndpoint } from '../../../../shared/operators/endpoint';
import { tenantHandlers } from '../../../../shared/operators/handlers/tenants';
import { type OperatorRecord } from '../../../../shared/operators/operator-record';
import { operatorRoutes } from '../../../../shared/operators/routes';

const tenantId = '11111111-1111-4111-8111-111111111111';
const oid = '22222222-2222-4222-8222-222222222222';

function world(audit: AuditPort) {
  const tenants = new Map<string, TenantRecord>([
    [
      tenantId,
      {
        id: tenantId,
        displayName: 'Contoso',
        status: 'active',
        updateRings: { test: 0, first: 1, fast: 9, broad: 90 },
        defaultUsageLocation: 'US',
        secretNames: { graphClientId: 'a', graphClientSecret: 'b' },
      },
    ],
  ]);
  const tenantStore = {
    find: (id: string) => Promise.resolve(tenants.get(id)),
    list: () => Promise.resolve([...tenants.values()]),
    upsert: (record: TenantRecord) => {
      tenants.set(record.id, record);
      return Promise.resolve();
    },
  };
  const principal: OperatorPrincipal = { oid, roles: ['Tenants.Manage'], amr: ['pwd', 'mfa'], acrs: [] };
  const operator: OperatorRecord = {
    id: oid,
    displayName: 'Op',
    country: 'US',
    backgroundCheckExpiresOn: '2999-01-01',
    tenants: 'all',
    enabled: true,
    updatedAt: new Date().toISOString(),
    updatedBy: 'seed',
  };
  const deps = {
    verifier: { verify: () => Promise.resolve(principal) },
    operators: { find: () => Promise.resolve(operator) },
    audit,
    privilegedContext: 'c1',
    now: () => new Date(),
  };
  const handlers = tenantHandlers({
    tenants: tenantStore,
    counts: {
      deviceCounts: () => Promise.reject(new Error('unused')),
      onboardingCounts: () => Promise.reject(new Error('unused')),
    },
    audit,
    now: () => new Date(),
  });
  const suspend = operatorEndpoint(operatorRoutes.suspendTenant, deps, handlers.suspendTenant);
  const call = () =>
    suspend(
      new HttpRequest({
        method: 'POST',
        url: `https://app.example/api/v1/tenants/${tenantId}/suspend`,
        headers: { authorization: 'Bearer a.b.c' },
        params: { tenantId },
      }),
      new InvocationContext({
        invocationId: 'inv-1',
        functionName: 'api-v1-suspendTenant',
        logHandler: () => undefined,
      }),
    );
  return { tenants, call };
}

describe('operator writes and the audit port', () => {
  it('records who suspended which tenant before suspending it', async () => {
    const events: AuditEvent[] = [];
    const w = world({ record: (e) => Promise.resolve(void events.push(e)) });
    const answer = await w.call();
    expect(answer.status).toBe(200);
    expect(w.tenants.get(tenantId)?.status).toBe('suspended');
    expect(events).toEqual([
      expect.objectContaining({
        id: 'tenant.suspend:inv-1',
        action: 'tenant.suspend',
        actor: { kind: 'operator', oid, displayName: 'Op' },
        tenantId,
        target: { type: 'tenant', id: tenantId },
        outcome: 'succeeded',
        correlation: { invocationId: 'inv-1' },
      }),
    ]);
  });

  it('changes nothing and answers 503 with Retry-After when the trail refuses the event', async () => {
    const w = world({
      record: () => Promise.reject(new DependencyUnavailableError('audit topic down', 'serviceBus')),
    });
    const answer = await w.call();
    expect(answer.status).toBe(503);
    expect((answer.headers as Record<string, string>)['retry-after']).toBe('30');
    expect(((answer as { jsonBody?: { code?: string } }).jsonBody ?? {}).code).toBe('dependency_unavailable');
    expect(w.tenants.get(tenantId)?.status).toBe('active');
  });

  it('fails closed on any failure of the port, not only the retryable ones', async () => {
    const w = world({ record: () => Promise.reject(new TypeError('bug in the sink')) });
    const answer = await w.call();
    expect(answer.status).toBe(503);
    expect(w.tenants.get(tenantId)?.status).toBe('active');
  });
});
