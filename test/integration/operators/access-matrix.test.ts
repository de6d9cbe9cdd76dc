/**
 * Every route of the table, called by every role alone (with and without MFA), by operators with every role, by
 * each kind of ineligible operator and with no token, on a tenant in the caller's scope and one outside it. The
 * expected answer of each call is derived from the route table alone; the test counts unauthorized successes
 * (there must be none) and checks that every refusal is the documented status as problem details.
 */
import { randomUUID } from 'node:crypto';
import { composition } from '../../../shared/composition';
import { operatorRoles } from '../../../shared/operators/contract';
import { secretNames } from '../../../shared/platform/secret-names';
import { serviceAccountNames } from '../../../shared/provisioning/desired-state';
import { type OperatorRecord } from '../../../shared/operators/operator-record';
import {
  isTenantScoped,
  isWrite,
  type OperatorRouteName,
  operatorRoutes,
  type RouteSpec,
} from '../../../shared/operators/routes';
import {
  eligible,
  newOid,
  type OperatorWorld,
  type Persona,
  startOperatorWorld,
} from '../../support/operator-world';

jest.setTimeout(600_000);

const serial = (tenantId: string) => `MATRIX-${tenantId.slice(0, 8)}`.toUpperCase();
const matrixSweep = (tenantId: string) => `compliance:${tenantId}:2026-01-01T00:00:00Z`;
const matrixDrift = 'policy-ring-broad:changed';
const lapsedOn = new Date(Date.now() - 2 * 24 * 60 * 60_000).toISOString().slice(0, 10);

interface Expected {
  status: number;
  code?: string;
}

describe('operator API access matrix', () => {
  let ow: OperatorWorld;
  const personas: (Persona | undefined)[] = [];
  const target = newOid();
  let calls = 0;
  const unauthorizedSuccesses: string[] = [];
  const wrongRefusals: string[] = [];
  const succeeded = new Set<string>();
  const credentialRequests = { approve: '', deny: '', own: '', elsewhere: '' };
  /** Routes whose one authorized caller finds the request in a state that refuses the step (409). */
  const needsState = new Set<OperatorRouteName>([
    'checkoutCredential',
    'checkinCredential',
    'revokeCredential',
    'breakGlass',
    'closeCredentialReview',
  ]);

  beforeAll(async () => {
    ow = await startOperatorWorld();
    const scoped = eligible([ow.inScope.id]);
    const base = (
      name: string,
      roles: Persona['roles'],
      amr: string[],
      record?: Persona['record'],
    ): Persona => ({
      name,
      oid: newOid(),
      roles,
      amr,
      ...(record ? { record } : {}),
    });
    personas.push(undefined);
    for (const role of operatorRoles) {
      personas.push(base(`${role} with mfa`, [role], ['pwd', 'mfa'], scoped));
      personas.push(base(`${role} without mfa`, [role], ['pwd'], scoped));
    }
    personas.push(base('every role, all tenants', operatorRoles, ['pwd', 'mfa'], eligible('all')));
    personas.push({
      ...base('every role, acrs, scoped', operatorRoles, ['pwd', 'mfa'], scoped),
      acrs: ['c1'],
    });
    personas.push(base('every role, without mfa', operatorRoles, ['pwd'], scoped));
    personas.push(base('unregistered', operatorRoles, ['pwd', 'mfa']));
    personas.push(base('disabled', operatorRoles, ['pwd', 'mfa'], { ...eligible('all'), enabled: false }));
    personas.push(base('abroad', operatorRoles, ['pwd', 'mfa'], { ...eligible('all'), country: 'CA' }));
    personas.push(
      base('lapsed', operatorRoles, ['pwd', 'mfa'], {
        ...eligible('all'),
        backgroundCheckExpiresOn: lapsedOn,
      }),
    );
    for (const persona of personas) if (persona) await ow.register(persona);

    // Credential requests to act on: two of another operator's (to approve and to deny), and one pending request of
    // the persona who passes every check, on which the checkout, its end, break glass and review answer 409.
    const requester: Persona = {
      ...base('credential requester', ['Credentials.Request'], ['pwd', 'mfa'], scoped),
      acrs: ['c1'],
    };
    await ow.register(requester);
    const ask = async (persona: Persona, tenantId = ow.inScope.id) => {
      const answer = await ow.call('POST', `/api/v1/tenants/${tenantId}/credential-requests`, {
        token: ow.token(persona),
        headers: { 'idempotency-key': randomUUID() },
        body: {
          justification: 'Access matrix: a request to act on',
          ticket: 'MATRIX-1',
          durationMinutes: 30,
        },
      });
      return answer.body.id as string;
    };
    credentialRequests.approve = await ask(requester);
    credentialRequests.deny = await ask(requester);
    credentialRequests.own = await ask(personas.find((p) => p?.name === 'every role, acrs, scoped')!);
    const everywhere: Persona = { ...requester, oid: newOid(), record: eligible('all') };
    await ow.register(everywhere);
    credentialRequests.elsewhere = await ask(everywhere, ow.outOfScope.id);

    // A device and its onboarding record in each tenant, so that reads of one have something to find.
    for (const tenant of [ow.inScope, ow.outOfScope]) {
      const at = new Date().toISOString();
      await composition().onboarding.store.record({
        instanceId: `onboard:${tenant.id}:${serial(tenant.id)}`,
        request: {
          tenantId: tenant.id,
          orderId: 'matrix',
          serialNumber: serial(tenant.id),
          hardwareHash: Buffer.from('matrix-hardware-hash-0000').toString('base64'),
          groupTag: '',
          assignedUserPrincipalName: 'someone@example.com',
          acceptedAt: at,
          enrollmentDeadline: 'P14D',
        },
        steps: [{ step: 'autopilotImport', outcome: 'succeeded', startedAt: at, endedAt: at }],
        observed: {
          encryption: { encrypted: true, tpmPresent: true, recoveryKeyEscrowed: true },
          defender: { onboarded: true, active: true, signaturesCurrent: true },
          licence: 'assigned',
        },
        outcome: { status: 'onboarded', managedDeviceId: 'm', azureADDeviceId: 'a', ring: 'broad' },
        startedAt: at,
        endedAt: at,
      });
      // And its compliance results, from a sweep of an earlier window.
      await composition().compliance.store.putDevices(tenant.id, [
        {
          id: 'device:m',
          tenantId: tenant.id,
          type: 'device',
          deviceId: 'm',
          serialNumber: serial(tenant.id),
          baselineVersion: '1',
          sweepId: matrixSweep(tenant.id),
          lastEvaluatedAt: at,
          health: 'healthy',
          failing: [],
          caMismatch: false,
          results: [],
        },
      ]);
      await composition().compliance.store.putSweep({
        id: `sweep:${matrixSweep(tenant.id)}`,
        tenantId: tenant.id,
        type: 'sweep',
        sweepId: matrixSweep(tenant.id),
        windowAt: '2026-01-01T00:00:00Z',
        trigger: 'schedule',
        status: 'failed',
        recordedAt: at,
        error: 'seeded',
      });
      // Under desired-state management, assessed, with one drift record: provisioning's reads find something.
      const record = await composition().tenants.get(tenant.id);
      await composition().tenants.upsert({
        ...record,
        management: {
          serviceAccountSecrets: Object.fromEntries(
            serviceAccountNames.map((n) => [n, secretNames.tenantServiceAccountPassword(tenant.id, n)]),
          ),
          conditionalAccess: 'reportOnly',
          driftHandling: {},
        },
      });
      await composition().provisioning.store.saveReadiness(tenant.id, {
        verdict: 'ready',
        assessedAt: at,
        checks: [{ check: 'licences', verdict: 'ready', detail: 'E5 seats free.' }],
      });
      await composition().provisioning.store.saveDrift({
        id: matrixDrift,
        tenantId: tenant.id,
        type: 'drift',
        item: 'policy:ring-broad',
        kind: 'changed',
        changedFields: ['qualityUpdatesDeferralPeriodInDays'],
        detail: 'changed',
        status: 'new',
        handling: 'report',
        firstSeen: at,
        lastSeen: at,
      });
    }
  });

  afterAll(async () => {
    // Leave both tenants active for whatever runs after.
    for (const tenant of [ow.inScope, ow.outOfScope])
      await composition().tenants.upsert({
        ...(await composition().tenants.get(tenant.id)),
        status: 'active',
      });
    await ow.stop();
  });

  function requestFor(name: OperatorRouteName, tenantId: string) {
    const t = `/api/v1/tenants/${tenantId}`;
    switch (name) {
      case 'me':
        return { method: 'GET', path: '/api/v1/me' };
      case 'listTenants':
        return { method: 'GET', path: '/api/v1/tenants' };
      case 'getTenant':
        return { method: 'GET', path: t };
      case 'suspendTenant':
        return { method: 'POST', path: `${t}/suspend` };
      case 'resumeTenant':
        return { method: 'POST', path: `${t}/resume` };
      case 'listDevices':
        return { method: 'GET', path: `${t}/devices?health=healthy&pageSize=10` };
      case 'getDevice':
        return { method: 'GET', path: `${t}/devices/${serial(tenantId)}` };
      case 'listOnboardings':
        return { method: 'GET', path: `${t}/onboardings?status=onboarded` };
      case 'getOnboarding':
        return { method: 'GET', path: `${t}/onboardings/${serial(tenantId)}` };
      case 'getTelemetry':
        return { method: 'GET', path: `${t}/telemetry` };
      case 'startOnboardings':
        return {
          method: 'POST',
          path: `${t}/onboardings`,
          headers: { 'idempotency-key': randomUUID() },
          body: {
            devices: [
              {
                serialNumber: `MX-${randomUUID().slice(0, 8)}`,
                hardwareHash: Buffer.from('matrix-hardware-hash-0001').toString('base64'),
                assignedUserPrincipalName: 'someone@example.com',
              },
            ],
          },
        };
      case 'listOperators':
        return { method: 'GET', path: '/api/v1/operators' };
      case 'putOperator': {
        const body: Omit<OperatorRecord, 'id' | 'updatedAt' | 'updatedBy'> = eligible([tenantId]);
        return { method: 'PUT', path: `/api/v1/operators/${target}`, body };
      }
      case 'openApiDocument':
        return { method: 'GET', path: '/api/v1/openapi.json' };
      case 'docs':
        return { method: 'GET', path: '/api/v1/docs' };
      case 'listAudit':
        return { method: 'GET', path: `/api/v1/audit?tenantId=${tenantId}&pageSize=5` };
      case 'verifyAudit':
        return { method: 'GET', path: `/api/v1/audit/verify?tenantId=${tenantId}` };
      case 'startSweep':
        return { method: 'POST', path: `${t}/sweeps` };
      case 'getSweep':
        return { method: 'GET', path: `${t}/sweeps/${encodeURIComponent(matrixSweep(tenantId))}` };
      case 'getCompliance':
        return { method: 'GET', path: `${t}/compliance?trend=3` };
      case 'getDeviceCompliance':
        return { method: 'GET', path: `${t}/compliance/devices/${serial(tenantId)}` };
      case 'getBaseline':
        return { method: 'GET', path: '/api/v1/compliance/baseline' };
      case 'getComplianceSettings':
        return { method: 'GET', path: `${t}/compliance/settings` };
      case 'putComplianceSettings':
        return {
          method: 'PUT',
          path: `${t}/compliance/settings`,
          body: { modes: { 'MDS-ID-02': 'alert' }, thresholds: {}, extraThirdPartyProducts: [] },
        };
      case 'registerTenant': {
        // A repeat registration of a tenant under management: answered as the first one, nothing started.
        const app = ow.world.sim.world.tenant(tenantId)!.apps[0]!;
        const body = {
          tenantId,
          displayName: 'Matrix',
          clientId: app.clientId,
          clientSecret: app.clientSecret,
        };
        return { method: 'POST', path: '/api/v1/tenants', body };
      }
      case 'getProvisioning':
        return { method: 'GET', path: `${t}/provisioning` };
      case 'getReadiness':
        return { method: 'GET', path: `${t}/readiness` };
      case 'listDrift':
        return { method: 'GET', path: `${t}/drift?status=new&pageSize=5` };
      case 'acceptDrift':
        return {
          method: 'POST',
          path: `${t}/drift/${matrixDrift}/accept`,
          body: { reason: 'the access matrix accepts it' },
        };
      case 'getDriftPolicy':
        return { method: 'GET', path: `${t}/drift-policy` };
      case 'putDriftPolicy':
        return { method: 'PUT', path: `${t}/drift-policy`, body: { handling: { 'kind:changed': 'report' } } };
      case 'reconcileTenant':
        return { method: 'POST', path: `${t}/reconcile` };
      case 'requestCredential':
        return {
          method: 'POST',
          path: `${t}/credential-requests`,
          headers: { 'idempotency-key': randomUUID() },
          body: {
            justification: 'Access matrix: may this caller ask?',
            ticket: 'MATRIX-2',
            durationMinutes: 15,
          },
        };
      case 'getCredentialRequest':
        return {
          method: 'GET',
          path: `${t}/credential-requests/${tenantId === ow.inScope.id ? credentialRequests.own : credentialRequests.elsewhere}`,
        };
      case 'approveCredentialRequest':
        return { method: 'POST', path: `${t}/credential-requests/${credentialRequests.approve}/approve` };
      case 'denyCredentialRequest':
        return {
          method: 'POST',
          path: `${t}/credential-requests/${credentialRequests.deny}/deny`,
          body: { reason: 'Access matrix' },
        };
      case 'checkoutCredential':
        return { method: 'POST', path: `${t}/credential-requests/${credentialRequests.own}/checkout` };
      case 'checkinCredential':
        return { method: 'POST', path: `${t}/credential-requests/${credentialRequests.own}/checkin` };
      case 'revokeCredential':
        return {
          method: 'POST',
          path: `${t}/credential-requests/${credentialRequests.own}/revoke`,
          body: { reason: 'Access matrix' },
        };
      case 'breakGlass':
        return {
          method: 'POST',
          path: `${t}/credential-requests/${credentialRequests.own}/break-glass`,
          body: { reason: 'Access matrix: may this caller break glass?' },
        };
      case 'closeCredentialReview':
        return {
          method: 'POST',
          path: `${t}/credential-reviews/${credentialRequests.own}/close`,
          body: { note: 'Access matrix review' },
        };
    }
  }

  /** The answer the table says a call gets. */
  function expected(
    name: OperatorRouteName,
    spec: RouteSpec,
    persona: Persona | undefined,
    tenantInScope: boolean,
  ): Expected {
    const ok = needsState.has(name) ? { status: 409, code: 'conflict' } : { status: spec.success.status };
    if (spec.access.kind === 'anonymous') return ok;
    if (!persona) return { status: 401, code: 'invalid_token' };
    if (spec.access.kind === 'signedIn') return ok;
    const record = persona.record;
    const ineligible =
      !record || !record.enabled || record.country !== 'US' || record.backgroundCheckExpiresOn === lapsedOn;
    if (ineligible) return { status: 403, code: 'operator_ineligible' };
    if (!persona.roles.includes(spec.access.role)) return { status: 403, code: 'role_required' };
    if (isWrite(spec) && !persona.amr.includes('mfa')) return { status: 403, code: 'mfa_required' };
    if (spec.access.privileged && !persona.acrs?.includes('c1'))
      return { status: 403, code: 'authentication_context_required' };
    const scopeAll = record.tenants === 'all';
    if (isTenantScoped(spec) && !tenantInScope && !scopeAll) return { status: 404, code: 'not_found' };
    return ok;
  }

  it('answers every call as the table says: no unauthorized success, every refusal documented', async () => {
    for (const persona of personas) {
      const token = persona ? ow.token(persona) : undefined;
      for (const [name, spec] of Object.entries(operatorRoutes) as [OperatorRouteName, RouteSpec][]) {
        const variants = isTenantScoped(spec) ? [true, false] : [true];
        for (const tenantInScope of variants) {
          const tenantId = tenantInScope ? ow.inScope.id : ow.outOfScope.id;
          const request = requestFor(name, tenantId);
          const answer = await ow.call(request.method, request.path, {
            ...(token ? { token } : {}),
            ...('body' in request ? { body: request.body } : {}),
            ...('headers' in request ? { headers: request.headers } : {}),
          });
          calls += 1;
          const want = expected(name, spec, persona, tenantInScope);
          const label = `${persona?.name ?? 'no token'} ${request.method} ${request.path} → ${answer.status} ${answer.body?.code ?? ''} (want ${want.status} ${want.code ?? ''})`;
          const success = answer.status >= 200 && answer.status < 300;
          if (success) succeeded.add(name);
          if (want.status >= 400) {
            if (success) unauthorizedSuccesses.push(label);
            else if (want.status === 409 && answer.status === 409 && answer.body?.code === 'conflict')
              succeeded.add(name);
            else if (
              answer.status !== want.status ||
              answer.contentType !== 'application/problem+json' ||
              answer.body?.status !== want.status ||
              answer.body?.code !== want.code
            )
              wrongRefusals.push(label);
          } else {
            const allowed = name === 'putOperator' ? [200, 201] : [want.status];
            if (!allowed.includes(answer.status)) wrongRefusals.push(label);
          }
        }
      }
    }
    expect(unauthorizedSuccesses).toEqual([]);
    expect(wrongRefusals).toEqual([]);
    expect(calls).toBeGreaterThan(400);
    // Each route was also called successfully by someone: the requests themselves are valid.
    expect([...succeeded].sort()).toEqual(Object.keys(operatorRoutes).sort());
  });

  it('answers a tenant outside the scope exactly as a tenant that does not exist', async () => {
    const persona = personas.find((p) => p?.name === 'Fleet.Read with mfa')!;
    const token = ow.token(persona);
    const unknown = randomUUID();
    for (const suffix of ['', '/devices', `/onboardings/${serial(ow.outOfScope.id)}`]) {
      const hidden = await ow.call('GET', `/api/v1/tenants/${ow.outOfScope.id}${suffix}`, { token });
      const missing = await ow.call('GET', `/api/v1/tenants/${unknown}${suffix}`, { token });
      expect(hidden.status).toBe(404);
      expect(JSON.stringify(hidden.body).replaceAll(ow.outOfScope.id, 'T')).toBe(
        JSON.stringify(missing.body).replaceAll(unknown, 'T'),
      );
    }
    const listed = await ow.call('GET', '/api/v1/tenants', { token });
    expect(listed.body.tenants.map((t: { id: string }) => t.id)).toEqual([ow.inScope.id]);
  });
});
