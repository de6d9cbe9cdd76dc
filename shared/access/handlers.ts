import { createHash } from 'node:crypto';
import { type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { type SecretClient } from '@azure/keyvault-secrets';
import { type ServiceBusSender } from '@azure/service-bus';
import { type DurableClient } from 'durable-functions';
import { type AuditPort } from '../audit/contract';
import { type TenantRecord } from '../domain/tenant';
import {
  ConflictError,
  DependencyUnavailableError,
  ForbiddenError,
  IdempotencyKeyReusedError,
} from '../errors';
import { invocationLog } from '../logging';
import { alertTypes, credentialEventTypes } from '../platform/declarations';
import { auditMessageId } from '../audit/port';
import { audited, type Caller, type RouteImplementation, unknownTenant } from '../operators/endpoint';
import { endLeaseOnAccount } from './activities';
import { auditOf, publishStep, type Step } from './announce';
import {
  accessLimits,
  credentialInstanceId,
  credentialRequestOrchestration,
  credentialSignals,
  type CheckedOut,
  type CredentialRequestInput,
  type Decision,
  type LeaseEnded,
} from './contract';
import { type accessRoutes } from './routes';
import {
  type AccessStore,
  type CredentialRequestRecord,
  type Person,
  residencyTag,
  reviewIdOf,
} from './store';
import { passwordSecretName, readCurrentPassword } from './vault';

export interface AccessHandlerDependencies {
  store: AccessStore;
  secrets: SecretClient;
  tenants: { find(tenantId: string): Promise<TenantRecord | undefined> };
  audit: AuditPort;
  events: ServiceBusSender;
  alerts: ServiceBusSender;
  durable(context: InvocationContext): DurableClient;
  now(): Date;
}

export type AccessHandlers = {
  [K in keyof typeof accessRoutes]: RouteImplementation<(typeof accessRoutes)[K]>;
};

const minute = 60_000;

function personOf(caller: Caller): Person {
  return {
    oid: caller.principal.oid,
    ...(caller.operator?.displayName ? { displayName: caller.operator.displayName } : {}),
  };
}

/** The background check must hold through the end of the lease, not only today. */
function requireCheckThrough(caller: Caller, endsAt: Date, role: string): void {
  const through = endsAt.toISOString().slice(0, 10);
  const expiresOn = caller.operator?.backgroundCheckExpiresOn ?? '';
  if (expiresOn < through)
    throw new ForbiddenError(
      `Your background check (valid through ${expiresOn}) lapses before the lease would end (${through}); you may not ${role}.`,
      { ineligibleBecause: ['backgroundCheckLapsesDuringLease'] },
    );
}

function noStore(body: unknown): HttpResponseInit {
  return {
    status: 200,
    jsonBody: body,
    headers: { 'cache-control': 'no-store', pragma: 'no-cache' },
  };
}

/**
 * The privileged-access routes. Each handler reads the request's record, checks who may do what, records the step
 * in the audit trail before it acts (refused with 503 when the trail cannot take it), changes the record under its
 * ETag, publishes the step's CloudEvent and tells the request's orchestration. The password appears only in the
 * checkout and break-glass answers, read from Key Vault for that answer alone.
 */
export function accessHandlers(deps: AccessHandlerDependencies): AccessHandlers {
  const { store } = deps;

  const tenantOf = async (tenantId: string): Promise<TenantRecord> => {
    const tenant = await deps.tenants.find(tenantId);
    if (!tenant) throw unknownTenant(tenantId);
    if (tenant.status !== 'active')
      throw new ConflictError(`Tenant ${tenantId} is ${tenant.status}: no credential is handed out in it.`);
    return tenant;
  };

  const view = async (record: CredentialRequestRecord) => {
    const review = record.breakGlass
      ? await store.review(record.tenantId, record.breakGlass.reviewId)
      : undefined;
    return {
      ...record,
      ...(review
        ? { review: { status: review.status, ...(review.closed ? { closedBy: review.closed.by } : {}) } }
        : {}),
      statusUrl: `/api/v1/tenants/${record.tenantId}/credential-requests/${record.id}`,
    };
  };

  const stepOf = (
    record: CredentialRequestRecord,
    caller: Caller,
    context: InvocationContext,
    step: Pick<Step, 'action' | 'event'> & { stepId: string; reason?: string; data?: Step['data'] },
  ): Step => ({
    ...step,
    actor: { kind: 'operator', ...personOf(caller) },
    tenantId: record.tenantId,
    account: record.account,
    subjectId: record.id,
    outcome: 'succeeded',
    stepId: `${record.id}:${step.stepId}`,
    time: deps.now().toISOString(),
    correlation: { invocationId: context.invocationId, instanceId: record.instanceId },
  });

  /** Tells the orchestration; a lost event is not fatal (its timers read the record), so it is logged, not thrown. */
  const signal = async (
    context: InvocationContext,
    record: CredentialRequestRecord,
    name: string,
    data: Decision | CheckedOut | LeaseEnded,
  ): Promise<void> => {
    await deps
      .durable(context)
      .raiseEvent(record.instanceId, name, data)
      .catch((error: unknown) =>
        invocationLog(context, { tenantId: record.tenantId, instanceId: record.instanceId }).error(
          `Could not raise ${name} on ${record.instanceId}; its timer will read the record`,
          error,
        ),
      );
  };

  /** Takes the lease (one per tenant account), reads the password, marks the record: all or nothing. */
  const handOut = async (
    context: InvocationContext,
    caller: Caller,
    tenant: TenantRecord,
    record: CredentialRequestRecord,
    leaseMinutes: number,
    mark: (
      current: CredentialRequestRecord,
      lease: { startedAt: string; endsAt: string },
    ) => CredentialRequestRecord,
  ) => {
    const startedAt = deps.now();
    const endsAt = new Date(startedAt.getTime() + leaseMinutes * minute);
    const lease = { startedAt: startedAt.toISOString(), endsAt: endsAt.toISOString() };
    await store.updateAccount(record.tenantId, record.account, (current) => {
      if (current.lease && current.lease.requestId !== record.id)
        throw new ConflictError(
          `${record.account} in tenant ${record.tenantId} is checked out by ${current.lease.holder.displayName ?? current.lease.holder.oid} until ${current.lease.endsAt}.`,
          {
            extensions: {
              heldBy: current.lease.holder,
              until: current.lease.endsAt,
              requestId: current.lease.requestId,
            },
          },
        );
      if (current.rotation)
        throw new DependencyUnavailableError(
          `${record.account} in tenant ${record.tenantId} is being rotated; try again shortly.`,
          'rotation',
        );
      return { ...current, lease: { requestId: record.id, holder: personOf(caller), ...lease } };
    });
    try {
      const password = await readCurrentPassword(deps.secrets, passwordSecretName(tenant, record.account));
      const updated = await store.updateRequest(record.tenantId, record.id, (current) => {
        if (current.status !== record.status)
          throw new ConflictError(`Request ${record.id} changed to ${current.status} meanwhile.`);
        return mark(current, lease);
      });
      return { password, updated, leaseEndsAt: lease.endsAt };
    } catch (error) {
      await store
        .updateAccount(record.tenantId, record.account, (current) => {
          if (current.lease?.requestId !== record.id) return current;
          const { lease: _released, ...rest } = current;
          return rest;
        })
        .catch((releaseError: unknown) =>
          invocationLog(context, { tenantId: record.tenantId }).error(
            `Could not release the lease of ${record.id} after a failed checkout`,
            releaseError,
          ),
        );
      throw error;
    }
  };

  const passwordAnswer = (record: CredentialRequestRecord, password: string, leaseEndsAt: string) =>
    noStore({ requestId: record.id, account: record.account, password, leaseEndsAt });

  const mustBeRequester = (record: CredentialRequestRecord, caller: Caller, what: string): void => {
    if (record.requester.oid.toLowerCase() !== caller.principal.oid.toLowerCase())
      throw new ForbiddenError(`Only the operator who asked may ${what}.`, { reason: 'notRequester' });
  };
  const mustNotBeRequester = (record: CredentialRequestRecord, caller: Caller, what: string): void => {
    if (record.requester.oid.toLowerCase() === caller.principal.oid.toLowerCase())
      throw new ForbiddenError(`Nobody may ${what} their own request: a second operator does.`, {
        reason: 'selfApproval',
      });
  };
  const mustBe = (record: CredentialRequestRecord, ...statuses: CredentialRequestRecord['status'][]) => {
    if (!statuses.includes(record.status))
      throw new ConflictError(`Request ${record.id} is ${record.status}.`, {
        extensions: { status: record.status },
      });
  };

  /** What a step on one request (decide, end) is called with. */
  interface RequestStepCall {
    caller: Caller;
    params: { tenantId: string; requestId: string };
    context: InvocationContext;
    body: { reason: string } | undefined;
  }

  /** Approve and deny: a second operator, eligible through the lease, on a pending request. */
  const decide =
    (outcome: 'approved' | 'denied') =>
    async ({ caller, params, context, body }: RequestStepCall) => {
      await tenantOf(params.tenantId);
      const record = await store.requireRequest(params.tenantId, params.requestId);
      mustNotBeRequester(record, caller, outcome === 'approved' ? 'approve' : 'deny');
      const by = personOf(caller);
      const repeat = record.status === outcome && record.decision?.by.oid === by.oid;
      if (!repeat) mustBe(record, 'pending');
      if (outcome === 'approved')
        requireCheckThrough(caller, new Date(deps.now().getTime() + record.leaseMinutes * minute), 'approve');
      const step = stepOf(record, caller, context, {
        action: outcome === 'approved' ? 'credential.approve' : 'credential.deny',
        event: outcome === 'approved' ? credentialEventTypes.approved : credentialEventTypes.denied,
        stepId: 'decision',
      });
      const updated = await audited(deps.audit, auditOf(step), context, async () => {
        const next = repeat
          ? record
          : await store.updateRequest(record.tenantId, record.id, (current) => {
              mustBe(current, 'pending');
              return {
                ...current,
                status: outcome,
                decision: { outcome, by, at: step.time, ...(body ? { reason: body.reason } : {}) },
              };
            });
        await publishStep(deps.events, step);
        return next;
      });
      await signal(context, updated, credentialSignals.decided, { outcome });
      return { status: 200, jsonBody: await view(updated) };
    };

  /** Check-in and revoke: the lease ends, the account's rotation lock is taken, the orchestration rotates. */
  const end =
    (reason: 'checkedIn' | 'revoked') =>
    async ({ caller, params, context, body }: RequestStepCall) => {
      await tenantOf(params.tenantId);
      const record = await store.requireRequest(params.tenantId, params.requestId);
      if (reason === 'checkedIn') mustBeRequester(record, caller, 'check it in');
      else if (
        record.requester.oid.toLowerCase() !== caller.principal.oid.toLowerCase() &&
        !caller.principal.roles.includes('Credentials.Approve')
      )
        throw new ForbiddenError('Only the requester or an operator who may approve revokes a lease.', {
          requiredRole: 'Credentials.Approve',
        });
      const by = personOf(caller);
      const repeat = record.status === reason && record.ended?.by?.oid === by.oid;
      if (!repeat) mustBe(record, 'checkedOut');
      const step = stepOf(record, caller, context, {
        action: reason === 'checkedIn' ? 'credential.checkin' : 'credential.revoke',
        event: reason === 'checkedIn' ? credentialEventTypes.checkedIn : credentialEventTypes.revoked,
        stepId: 'end',
        ...(body ? { reason: body.reason.slice(0, 500) } : {}),
      });
      const updated = await audited(deps.audit, auditOf(step), context, async () => {
        const next = repeat
          ? record
          : await store.updateRequest(record.tenantId, record.id, (current) => {
              mustBe(current, 'checkedOut');
              return { ...current, status: reason, ended: { reason, at: step.time, by } };
            });
        await endLeaseOnAccount(store, next, step.time);
        await publishStep(deps.events, step);
        return next;
      });
      await signal(context, updated, credentialSignals.ended, { reason });
      return { status: 200, jsonBody: await view(updated) };
    };

  return {
    requestCredential: async ({ caller, params, headers, body, context }) => {
      await tenantOf(params.tenantId);
      const now = deps.now();
      requireCheckThrough(caller, new Date(now.getTime() + body.durationMinutes * minute), 'request it');
      const requester = personOf(caller);
      const id = createHash('sha256')
        .update(
          [params.tenantId.toLowerCase(), requester.oid.toLowerCase(), headers['idempotency-key']].join('\n'),
        )
        .digest('hex')
        .slice(0, 32);
      const record: CredentialRequestRecord = {
        id,
        tenantId: params.tenantId,
        type: 'request',
        residency: residencyTag,
        account: body.account,
        instanceId: credentialInstanceId(params.tenantId, id),
        requester,
        justification: body.justification,
        ticket: body.ticket,
        leaseMinutes: body.durationMinutes,
        status: 'pending',
        requestedAt: now.toISOString(),
      };
      const step = stepOf(record, caller, context, {
        action: 'credential.request',
        event: credentialEventTypes.requested,
        stepId: 'request',
        data: { ticket: body.ticket, leaseMinutes: body.durationMinutes },
      });
      const stored = await audited(deps.audit, auditOf(step), context, async () => {
        const created = await store.createRequest(record);
        const same = (['account', 'justification', 'ticket', 'leaseMinutes'] as const).every(
          (field) => created.record[field] === record[field],
        );
        if (!same)
          throw new IdempotencyKeyReusedError(
            'This Idempotency-Key was used for another credential request.',
          );
        const durable = deps.durable(context);
        if (!(await durable.getStatus(record.instanceId).catch(() => undefined))?.runtimeStatus) {
          const input: CredentialRequestInput = {
            tenantId: record.tenantId,
            requestId: id,
            account: record.account,
          };
          await durable.startNew(credentialRequestOrchestration, { instanceId: record.instanceId, input });
        }
        await publishStep(deps.events, step);
        return created.record;
      });
      return { status: 202, jsonBody: await view(stored) };
    },

    getCredentialRequest: async ({ params }) => {
      const record = await store.requireRequest(params.tenantId, params.requestId);
      return { status: 200, jsonBody: await view(record) };
    },

    approveCredentialRequest: (call) => decide('approved')({ ...call, body: undefined }),
    denyCredentialRequest: decide('denied'),

    checkoutCredential: async ({ caller, params, context }) => {
      const tenant = await tenantOf(params.tenantId);
      const record = await store.requireRequest(params.tenantId, params.requestId);
      mustBeRequester(record, caller, 'check it out');
      if (record.status === 'checkedOut')
        throw new ConflictError(
          `Request ${record.id} was checked out already: the password is handed out once.`,
          { extensions: { status: record.status } },
        );
      mustBe(record, 'approved');
      requireCheckThrough(
        caller,
        new Date(deps.now().getTime() + record.leaseMinutes * minute),
        'check it out',
      );
      const step = stepOf(record, caller, context, {
        action: 'credential.checkout',
        event: credentialEventTypes.checkedOut,
        stepId: 'checkout',
      });
      const out = await audited(deps.audit, auditOf(step), context, () =>
        handOut(context, caller, tenant, record, record.leaseMinutes, (current, lease) => ({
          ...current,
          status: 'checkedOut',
          lease,
        })),
      );
      await publishStep(deps.events, { ...step, data: { leaseEndsAt: out.leaseEndsAt } }).catch(
        (error: unknown) =>
          invocationLog(context, { tenantId: record.tenantId }).error(
            'Could not publish the checkout event',
            error,
          ),
      );
      await signal(context, out.updated, credentialSignals.checkedOut, {
        leaseMinutes: out.updated.leaseMinutes,
      });
      return passwordAnswer(record, out.password, out.leaseEndsAt);
    },

    checkinCredential: (call) => end('checkedIn')({ ...call, body: undefined }),
    revokeCredential: end('revoked'),

    breakGlass: async ({ caller, params, body, context }) => {
      const tenant = await tenantOf(params.tenantId);
      const record = await store.requireRequest(params.tenantId, params.requestId);
      mustBeRequester(record, caller, 'break glass on it');
      mustBe(record, 'pending');
      if (!record.escalatedAt)
        throw new ConflictError(
          `Break glass is for requests nobody answered: request ${record.id} has waited less than ${accessLimits.breakGlassAfterMs / minute} minutes.`,
          { extensions: { reason: 'notEscalated' } },
        );
      const now = deps.now();
      const recent = await store.breakGlassBy(
        caller.principal.oid,
        new Date(now.getTime() - accessLimits.breakGlassWindowMs).toISOString(),
      );
      if (recent.length > 0)
        throw new ConflictError(
          'You broke glass within the last 24 hours or a review of yours is still open: ask another approver.',
          {
            extensions: {
              reason: 'breakGlassLimit',
              reviews: recent.map((r) => ({
                tenantId: r.tenantId,
                requestId: r.requestId,
                status: r.status,
              })),
            },
          },
        );
      const leaseMinutes = Math.min(record.leaseMinutes, accessLimits.breakGlassMaxLeaseMinutes);
      requireCheckThrough(caller, new Date(now.getTime() + leaseMinutes * minute), 'break glass');
      const reviewId = reviewIdOf(record.id);
      const step = stepOf(record, caller, context, {
        action: 'credential.breakGlass',
        event: credentialEventTypes.brokeGlass,
        stepId: 'breakGlass',
        reason: body.reason.slice(0, 500),
      });
      const out = await audited(deps.audit, auditOf(step), context, async () => {
        const handed = await handOut(context, caller, tenant, record, leaseMinutes, (current, lease) => ({
          ...current,
          status: 'checkedOut',
          leaseMinutes,
          decision: { outcome: 'breakGlass', by: personOf(caller), at: lease.startedAt, reason: body.reason },
          breakGlass: { reason: body.reason, reviewId },
          lease,
        }));
        await store.createReview({
          id: reviewId,
          tenantId: record.tenantId,
          type: 'review',
          residency: residencyTag,
          requestId: record.id,
          account: record.account,
          openedBy: personOf(caller),
          openedAt: now.toISOString(),
          reason: body.reason,
          status: 'open',
        });
        return handed;
      });
      const alert = {
        type: alertTypes.credentialBreakGlass,
        tenantId: record.tenantId,
        account: record.account,
        requestId: record.id,
        leaseEndsAt: out.leaseEndsAt,
        time: step.time,
      };
      await Promise.all([
        publishStep(deps.events, step),
        deps.alerts.sendMessages({
          messageId: auditMessageId(alert.type, record.id),
          subject: alert.type,
          contentType: 'application/json',
          body: alert,
          applicationProperties: { type: alert.type, tenantId: record.tenantId },
        }),
      ]).catch((error: unknown) =>
        invocationLog(context, { tenantId: record.tenantId }).error(
          'Could not announce a break glass',
          error,
        ),
      );
      await signal(context, out.updated, credentialSignals.decided, { outcome: 'breakGlass' });
      await signal(context, out.updated, credentialSignals.checkedOut, {
        leaseMinutes: out.updated.leaseMinutes,
      });
      return passwordAnswer(record, out.password, out.leaseEndsAt);
    },

    closeCredentialReview: async ({ caller, params, body, context }) => {
      await tenantOf(params.tenantId);
      const record = await store.requireRequest(params.tenantId, params.requestId);
      const review = record.breakGlass
        ? await store.review(record.tenantId, record.breakGlass.reviewId)
        : undefined;
      if (!review) throw new ConflictError(`Request ${record.id} has no break-glass review.`);
      if (review.openedBy.oid.toLowerCase() === caller.principal.oid.toLowerCase())
        throw new ForbiddenError('Another approver closes the review of your break glass.', {
          reason: 'selfReview',
        });
      const by = personOf(caller);
      const step = stepOf(record, caller, context, {
        action: 'credential.reviewClose',
        event: credentialEventTypes.reviewClosed,
        stepId: 'review',
      });
      const closed = await audited(deps.audit, auditOf(step), context, async () => {
        const next = await store.updateReview(record.tenantId, review.id, (current) =>
          current.status === 'closed'
            ? current
            : { ...current, status: 'closed', closed: { by, at: step.time, note: body.note } },
        );
        await publishStep(deps.events, step);
        return next;
      });
      return {
        status: 200,
        jsonBody: { requestId: record.id, status: 'closed' as const, closedBy: closed.closed?.by ?? by },
      };
    },
  };
}
