import { type InvocationContext } from '@azure/functions';
import { type ServiceBusMessage, type ServiceBusSender } from '@azure/service-bus';
import { z } from 'zod';
import { type AuditEvent, type AuditPort } from '../audit/contract';
import { tenantLayout } from '../domain/tenant-layout';
import { type TenantRecord, type UpdateRing } from '../domain/tenant';
import { AppError, NotFoundError } from '../errors';
import { type ApiClient } from '../platform/graph/api-client';
import { odataString, segment } from '../platform/graph/odata';
import { backoffDelayMs } from '../platform/graph/retry-strategy';
import { type TenantApis } from '../platform/graph/tenant-clients';
import { parseOrThrow } from '../validation';
import { type RemediationAction, type RemediationParams, remediationKinds } from './baseline/contract';

/**
 * Remediations travel one action per message on the `remediations` queue, scheduled at their place in the sweep's
 * write budget. The handler sends the device action (or the ring re-add, or the Defender scan), and audits how it
 * ended. Throttling and 5xx are retried inside the call first (Retry-After honoured); what still fails is scheduled
 * again, later, as a new message, up to `maxTries`: a storm delays an action, it never drops it. The next sweep
 * verifies the result.
 */

export interface RemediationMessage {
  actionId: string;
  tenantId: string;
  deviceId: string;
  aadDeviceId?: string;
  serialNumber: string;
  subjects: readonly string[];
  params: RemediationParams;
  sweepId: string;
  /** Sends of this action so far (0 for the sweep's). */
  tries: number;
}

export const maxTries = 8;
const retryTuning = { baseDelayMs: 5_000, maxDelayMs: 15 * 60_000, maxRetryAfterMs: 0 };

const messageSchema = z.object({
  actionId: z.string().min(1).max(128),
  tenantId: z.string().min(1),
  deviceId: z.string().min(1),
  aadDeviceId: z.string().min(1).optional(),
  serialNumber: z.string().min(1),
  subjects: z.array(z.string().min(1)).min(1),
  params: z.looseObject({ kind: z.enum(remediationKinds) }),
  sweepId: z.string().min(1),
  tries: z.int().min(0),
});

export function remediationMessage(
  action: RemediationAction,
  serialNumber: string,
  sweepId: string,
  sentAt: number,
): ServiceBusMessage {
  const body: RemediationMessage = {
    actionId: action.actionId,
    tenantId: action.tenantId,
    deviceId: action.deviceId,
    ...(action.aadDeviceId ? { aadDeviceId: action.aadDeviceId } : {}),
    serialNumber,
    subjects: action.subjects,
    params: action.params,
    sweepId,
    tries: 0,
  };
  return {
    messageId: action.actionId,
    subject: 'compliance.remediation',
    contentType: 'application/json',
    body,
    applicationProperties: { tenantId: action.tenantId, kind: action.params.kind },
    ...(action.delayMs > 0 ? { scheduledEnqueueTimeUtc: new Date(sentAt + action.delayMs) } : {}),
  };
}

const managedDevice = (version: 'v1.0' | 'beta', deviceId: string, action: string): string =>
  `/${version}/deviceManagement/managedDevices/${segment(deviceId)}/${action}`;

/** The write each kind makes. Device actions change nothing when sent twice, so their POSTs may be repeated. */
async function perform(apis: TenantApis, message: RemediationMessage): Promise<void> {
  const params = message.params;
  const repeatable = { repeatable: true };
  switch (params.kind) {
    case 'deviceSync':
      await apis.graph.post(managedDevice('v1.0', message.deviceId, 'syncDevice'), undefined, repeatable);
      return;
    case 'signatureUpdate':
      await apis.graph.post(
        managedDevice('v1.0', message.deviceId, 'windowsDefenderUpdateSignatures'),
        undefined,
        repeatable,
      );
      return;
    case 'quickScan':
      await apis.graph.post(
        managedDevice('v1.0', message.deviceId, 'windowsDefenderScan'),
        { quickScan: true },
        repeatable,
      );
      return;
    case 'bitLockerKeyRotation':
      await apis.graph.post(
        managedDevice('beta', message.deviceId, 'rotateBitLockerKeys'),
        undefined,
        repeatable,
      );
      return;
    case 'defenderAvScan':
      await apis.defender.post(
        `/api/machines/${segment(params.machineId)}/runAntiVirusScan`,
        {
          Comment: `Compliance sweep ${message.sweepId}: ${message.subjects.join(', ')}`,
          ScanType: params.scanType,
        },
        repeatable,
      );
      return;
    case 'ringReAdd':
      await reAddToRing(apis.graph, message, params.ring, params.removeFrom);
      return;
  }
}

async function groupId(graph: ApiClient, displayName: string): Promise<string> {
  const found = await graph.get<{ value: { id: string }[] }>(
    `/v1.0/groups?$filter=displayName eq ${odataString(displayName)}&$select=id`,
  );
  const id = found.body.value[0]?.id;
  if (!id) throw new NotFoundError(`The ring group '${displayName}' does not exist in the tenant.`);
  return id;
}

/** Into the ring its hash gives, out of the others: a membership already as wanted is left as it is. */
async function reAddToRing(
  graph: ApiClient,
  message: RemediationMessage,
  ring: UpdateRing,
  removeFrom: readonly UpdateRing[],
): Promise<void> {
  if (!message.aadDeviceId) throw new NotFoundError(`Device ${message.serialNumber} has no Entra device id.`);
  const devices = await graph.get<{ value: { id: string }[] }>(
    `/v1.0/devices?$filter=deviceId eq ${odataString(message.aadDeviceId)}&$select=id`,
  );
  const objectId = devices.body.value[0]?.id;
  if (!objectId) throw new NotFoundError(`Device ${message.serialNumber} has no Entra device object.`);
  const target = await groupId(graph, tenantLayout.ringGroups[ring]);
  try {
    await graph.post(
      `/v1.0/groups/${segment(target)}/members/$ref`,
      { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${objectId}` },
      { repeatable: true },
    );
  } catch (error) {
    // "One or more added object references already exist": the device is in the ring already.
    if (!(error instanceof AppError && error.status === 400 && /already exist/i.test(error.message)))
      throw error;
  }
  for (const other of removeFrom) {
    const group = await groupId(graph, tenantLayout.ringGroups[other]);
    try {
      await graph.delete(`/v1.0/groups/${segment(group)}/members/${segment(objectId)}/$ref`);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
}

export interface RemediationHandlerDependencies {
  tenants: { find(tenantId: string): Promise<TenantRecord | undefined> };
  tenantApis(tenant: TenantRecord): Promise<TenantApis>;
  audit: AuditPort;
  /** The `remediations` queue, for a later try. */
  retries: ServiceBusSender;
  now(): number;
}

export function remediationAuditEvent(
  message: RemediationMessage,
  result: { outcome: AuditEvent['outcome']; errorCode?: string },
  context: InvocationContext,
  at: number,
): AuditEvent {
  const reason = `compliance remediation ${message.params.kind} for ${message.subjects.join(', ')}`;
  return {
    id: `remediation.run:${message.actionId}`,
    action: 'remediation.run',
    actor: { kind: 'service', functionName: 'complianceRemediation', instanceId: message.sweepId },
    tenantId: message.tenantId,
    target: { type: 'device', id: message.serialNumber },
    outcome: result.outcome,
    reason: result.errorCode ? `${reason} (${result.errorCode})` : reason,
    correlation: { invocationId: context.invocationId, instanceId: message.sweepId },
    time: new Date(at).toISOString(),
  };
}

/** The queue trigger of `remediations`. */
export function remediationHandler(deps: RemediationHandlerDependencies) {
  return async (body: unknown, context: InvocationContext): Promise<void> => {
    const message = parseOrThrow(messageSchema, body, 'remediation message') as RemediationMessage;
    const tenant = await deps.tenants.find(message.tenantId);
    if (!tenant || tenant.status !== 'active') {
      context.warn(`remediation ${message.actionId}: tenant ${message.tenantId} is not active; not sent`);
      await deps.audit.record(
        remediationAuditEvent(
          message,
          { outcome: 'refused', errorCode: 'tenantNotActive' },
          context,
          deps.now(),
        ),
      );
      return;
    }
    let result: { outcome: AuditEvent['outcome']; errorCode?: string } = { outcome: 'succeeded' };
    try {
      await perform(await deps.tenantApis(tenant), message);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (error.retryable && message.tries + 1 < maxTries) {
        const asked = (error as { retryAfterMs?: number }).retryAfterMs;
        const waitMs = Math.max(asked ?? 0, backoffDelayMs(message.tries, retryTuning));
        const next: RemediationMessage = { ...message, tries: message.tries + 1 };
        await deps.retries.sendMessages({
          messageId: `${message.actionId}:${next.tries}`,
          subject: 'compliance.remediation',
          contentType: 'application/json',
          body: next,
          applicationProperties: { tenantId: message.tenantId, kind: message.params.kind },
          scheduledEnqueueTimeUtc: new Date(deps.now() + waitMs),
        });
        context.log(
          `remediation ${message.actionId}: ${error.code}, try ${next.tries + 1} of ${maxTries} in ${Math.round(waitMs / 1000)} s`,
        );
        return;
      }
      result = { outcome: 'failed', errorCode: error.code };
    }
    await deps.audit.record(remediationAuditEvent(message, result, context, deps.now()));
    context.log(`remediation ${message.actionId} (${message.params.kind}) ${result.outcome}`);
  };
}
