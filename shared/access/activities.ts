import { type SecretClient } from '@azure/keyvault-secrets';
import { type ServiceBusSender } from '@azure/service-bus';
import { type TenantRecord } from '../domain/tenant';
import { ConflictError, DependencyUnavailableError, NotFoundError } from '../errors';
import { invocationLog } from '../logging';
import { type ImplementationsOf } from '../platform/activity-registration';
import { alertTypes, credentialEventTypes } from '../platform/declarations';
import { type TenantApis } from '../platform/graph/tenant-clients';
import { auditMessageId } from '../audit/port';
import { type TenantStore } from '../tenants/store';
import { type Announcer, announce } from './announce';
import {
  accessActivities,
  accessLimits,
  credentialAccounts,
  credentialInstanceId,
  type CredentialRequestInput,
  requestLockKey,
  type RotationJob,
} from './contract';
import { type AccessStore, type CredentialRequestRecord } from './store';
import { currentVersion, findAccountUserId, passwordSecretName, rotateAccountPassword } from './vault';

export interface AccessServices extends Announcer {
  store: AccessStore;
  secrets: SecretClient;
  tenants: Pick<TenantStore, 'get' | 'list'>;
  tenantApis(tenant: TenantRecord): Promise<TenantApis>;
  alerts: ServiceBusSender;
  now(): Date;
}

type Implementations = ImplementationsOf<typeof accessActivities>;

const service = (name: string, instanceId?: string) =>
  ({ kind: 'service', functionName: name, ...(instanceId ? { instanceId } : {}) }) as const;

/**
 * The activities of a checkout. Each changes a record under its ETag, then records and publishes the step under a
 * stable id: a retry after a failed announcement finds the change made and announces it once.
 */
export function accessImplementations(services: AccessServices): Implementations {
  const { store } = services;

  const expireRequest: Implementations['expireRequest'] = async (input) => {
    const from = input.stage === 'unanswered' ? 'pending' : 'approved';
    const at = services.now().toISOString();
    const record = await store.updateRequest(input.tenantId, input.requestId, (current) =>
      current.status === from ? { ...current, status: 'expired', expiredAt: at } : current,
    );
    if (record.status !== 'expired')
      return {
        expired: false,
        status: record.status,
        ...(record.lease ? { leaseEndsAt: record.lease.endsAt } : {}),
      };
    await announceService(services, record, input, {
      action: 'credential.expire',
      event: credentialEventTypes.expired,
      reason: input.stage,
      stepId: `${record.id}:${input.stage}`,
      time: record.expiredAt ?? at,
    });
    return { expired: true };
  };

  const expireLease: Implementations['expireLease'] = async (input) => {
    const at = services.now().toISOString();
    const record = await store.updateRequest(input.tenantId, input.requestId, (current) =>
      current.status === 'checkedOut'
        ? { ...current, status: 'leaseExpired', ended: { reason: 'leaseExpired', at } }
        : current,
    );
    if (record.status !== 'leaseExpired')
      return { ended: false, reason: record.ended?.reason ?? 'leaseExpired' };
    await endLeaseOnAccount(store, record, at);
    await announceService(services, record, input, {
      action: 'credential.expire',
      event: credentialEventTypes.leaseExpired,
      reason: 'leaseExpired',
      stepId: `${record.id}:lease`,
      time: record.ended?.at ?? at,
    });
    return { ended: true };
  };

  const rotatePassword: Implementations['rotatePassword'] = async (job, context) => {
    const log = invocationLog(context, { tenantId: job.tenantId });
    const state = await store.account(job.tenantId, job.account);
    if (state?.lastRotation?.lockKey === job.lockKey) {
      // Done by an earlier attempt whose answer was lost.
      return { version: state.lastRotation.version, rotatedAt: state.lastRotation.at, disabledVersions: 0 };
    }
    if (state?.rotation?.lockKey !== job.lockKey)
      throw new ConflictError(
        `The rotation lock of ${job.account} in ${job.tenantId} is not held by ${job.lockKey}.`,
      );
    const tenant = await services.tenants.get(job.tenantId);
    const { graph } = await services.tenantApis(tenant);
    const userId = state.userId ?? (await findAccountUserId(graph, job.account));
    const name = passwordSecretName(tenant, job.account);
    const rotated = await rotateAccountPassword({ secrets: services.secrets, graph }, name, userId, {
      rotation: job.reason,
    });
    const at = services.now().toISOString();
    await store.updateAccount(job.tenantId, job.account, (current) => {
      const { rotation: _released, ...rest } = current;
      return { ...rest, userId, lastRotation: { lockKey: job.lockKey, version: rotated.version, at } };
    });
    if (job.requestId) {
      const requestId = job.requestId;
      await store.updateRequest(job.tenantId, requestId, (current) => ({
        ...current,
        rotation: { version: rotated.version, at },
      }));
    }
    log.info(
      `Rotated ${job.account} (${job.reason}): version ${rotated.version}, ${rotated.disabledVersions} older version(s) disabled`,
    );
    await announce(services, {
      action: 'credential.rotate',
      event: credentialEventTypes.rotated,
      actor: service(accessActivities.rotatePassword.name, instanceOf(job)),
      tenantId: job.tenantId,
      account: job.account,
      subjectId: job.requestId ?? job.lockKey,
      outcome: 'succeeded',
      reason: job.reason,
      stepId: job.lockKey,
      time: at,
      data: { version: rotated.version, disabledVersions: rotated.disabledVersions },
    });
    return { version: rotated.version, rotatedAt: at, disabledVersions: rotated.disabledVersions };
  };

  const reportRotationFailure: Implementations['reportRotationFailure'] = async (input, context) => {
    const time = services.now().toISOString();
    invocationLog(context, { tenantId: input.tenantId }).error(
      `Rotation of ${input.account} (${input.lockKey}) failed round ${input.round}: ${input.error}; the previous password may still be valid, retrying`,
    );
    const alert = {
      type: alertTypes.credentialRotationFailed,
      tenantId: input.tenantId,
      account: input.account,
      lockKey: input.lockKey,
      round: input.round,
      error: input.error,
      time,
    };
    try {
      await services.alerts.sendMessages({
        messageId: auditMessageId(alert.type, input.lockKey, String(input.round)),
        subject: alert.type,
        contentType: 'application/json',
        body: alert,
        applicationProperties: { type: alert.type, tenantId: input.tenantId },
      });
    } catch (error) {
      throw new DependencyUnavailableError('The rotation alert could not be sent.', 'serviceBus', {
        cause: error,
      });
    }
    await announce(services, {
      action: 'credential.rotate',
      event: credentialEventTypes.rotationFailed,
      actor: service(accessActivities.reportRotationFailure.name, instanceOf(input)),
      tenantId: input.tenantId,
      account: input.account,
      subjectId: input.requestId ?? input.lockKey,
      outcome: 'failed',
      reason: `round ${input.round}: ${input.error}`.slice(0, 300),
      stepId: `${input.lockKey}:round${input.round}`,
      time,
      data: { round: input.round },
    });
  };

  const claimDueRotations: Implementations['claimDueRotations'] = async (input) => {
    const at = Date.parse(input.at);
    const lockKey = `scheduled:${input.runId}`;
    const jobs: RotationJob[] = [];
    const tenants = (await services.tenants.list()).filter((t) => t.status === 'active');
    for (const tenant of tenants) {
      for (const account of credentialAccounts) {
        const state = await store.account(tenant.id, account);
        if (state?.lease || (state?.rotation && state.rotation.lockKey !== lockKey)) continue;
        // Claimed by this run already (a retry of this activity), or last rotated 13 days ago or more.
        if (state?.rotation?.lockKey !== lockKey) {
          const last =
            state?.lastRotation?.at ??
            (
              await currentVersion(services.secrets, passwordSecretName(tenant, account)).catch(ignoreMissing)
            )?.createdOn?.toISOString();
          if (!last || at - Date.parse(last) < accessLimits.rotateEveryMs) continue;
        }
        try {
          await store.updateAccount(tenant.id, account, (current) => {
            if (current.lease || (current.rotation && current.rotation.lockKey !== lockKey))
              throw new ConflictError(`${account} in ${tenant.id} is in use`);
            return { ...current, rotation: { lockKey, since: input.at } };
          });
          jobs.push({ tenantId: tenant.id, account, lockKey, reason: 'scheduled' });
        } catch (error) {
          // Checked out (or claimed) since it was read: the end of that lease rotates it.
          if (!(error instanceof ConflictError)) throw error;
        }
      }
    }
    return jobs;
  };

  const escalateRequest: Implementations['escalateRequest'] = async (input) => {
    const at = services.now().toISOString();
    await store.updateRequest(input.tenantId, input.requestId, (current) =>
      current.status === 'pending' && !current.escalatedAt ? { ...current, escalatedAt: at } : current,
    );
  };

  return {
    expireRequest,
    expireLease,
    rotatePassword,
    reportRotationFailure,
    claimDueRotations,
    escalateRequest,
  };
}

/** A lease that ended hands the account to its rotation: the lock is taken in the same write that frees it. */
export async function endLeaseOnAccount(
  store: AccessStore,
  record: CredentialRequestRecord,
  at: string,
): Promise<void> {
  await store.updateAccount(record.tenantId, record.account, (current) => {
    if (current.lease?.requestId !== record.id) return current;
    const { lease: _ended, ...rest } = current;
    return { ...rest, rotation: { lockKey: requestLockKey(record.id), since: at } };
  });
}

/** A tenant without that service account (not provisioned by us): nothing to rotate. */
function ignoreMissing(error: unknown): undefined {
  if (error instanceof NotFoundError) return undefined;
  throw error;
}

function instanceOf(job: { tenantId: string; requestId?: string }): string | undefined {
  return job.requestId ? credentialInstanceId(job.tenantId, job.requestId) : undefined;
}

async function announceService(
  services: Announcer,
  record: CredentialRequestRecord,
  input: CredentialRequestInput,
  step: {
    action: 'credential.expire';
    event: (typeof credentialEventTypes)[keyof typeof credentialEventTypes];
    reason: string;
    stepId: string;
    time: string;
  },
): Promise<void> {
  const instanceId = credentialInstanceId(input.tenantId, input.requestId);
  await announce(services, {
    ...step,
    actor: service('credentialRequest', instanceId),
    tenantId: record.tenantId,
    account: record.account,
    subjectId: record.id,
    outcome: 'succeeded',
    correlation: { instanceId },
  });
}
