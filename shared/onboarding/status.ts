import { type DurableClient, OrchestrationRuntimeStatus } from 'durable-functions';
import { type OnboardingOutcome, type StepRecord } from './contract';
import { onboardingInstanceId } from './device-order';
import { type OnboardingStatus } from './onboard-device.orchestrator';
import { isUnknownInstance } from './start-onboarding';
import { type OnboardingStore } from './store';

/** One device's onboarding as it runs, or as it ended: what the status route answers. */
export interface OnboardingView {
  tenantId: string;
  serialNumber: string;
  instanceId: string;
  /** The orchestration's runtime status; absent when only the record is left (the instance was purged). */
  runtimeStatus?: string;
  createdTime?: string;
  lastUpdatedTime?: string;
  /** The step it is in and what it waits for, while it runs. */
  step?: string;
  waitingFor?: string;
  until?: string;
  /** Steps finished so far; with times and details once the record is written. */
  steps: (Pick<StepRecord, 'step' | 'outcome'> & Partial<StepRecord>)[];
  outcome?: { status: 'onboarded' | 'failed'; reason?: string; detail?: string; ring?: string };
  startedAt?: string;
  endedAt?: string;
}

/**
 * Reads the durable instance (getStatus, never its input: it holds the assigned user) and the onboarding record,
 * and joins them. Undefined when neither exists.
 */
export async function onboardingView(
  client: DurableClient,
  store: Pick<OnboardingStore, 'get'>,
  tenantId: string,
  serialNumber: string,
): Promise<OnboardingView | undefined> {
  const instanceId = onboardingInstanceId(tenantId, serialNumber);
  const [status, record] = await Promise.all([
    client.getStatus(instanceId, { showInput: false, showHistory: false }).catch((error: unknown) => {
      if (isUnknownInstance(error)) return undefined;
      throw error;
    }),
    store.get(tenantId, serialNumber),
  ]);
  if (!status && !record) return undefined;
  const custom = (status?.customStatus ?? undefined) as OnboardingStatus | undefined;
  const ended: string[] = [
    OrchestrationRuntimeStatus.Completed,
    OrchestrationRuntimeStatus.Failed,
    OrchestrationRuntimeStatus.Terminated,
    OrchestrationRuntimeStatus.Canceled,
  ];
  const running = status !== undefined && !ended.includes(status.runtimeStatus);
  const output =
    status?.runtimeStatus === OrchestrationRuntimeStatus.Completed
      ? (status.output as OnboardingOutcome | undefined)
      : undefined;
  const outcome = record
    ? { status: record.status, ...(record.reason ? { reason: record.reason, detail: record.detail } : {}) }
    : output
      ? output.status === 'onboarded'
        ? { status: output.status, ring: output.ring }
        : { status: output.status, reason: output.reason, detail: output.detail }
      : undefined;
  return {
    tenantId: tenantId.toLowerCase(),
    serialNumber: record?.serialNumber ?? serialNumber.toUpperCase(),
    instanceId,
    ...(status
      ? {
          runtimeStatus: String(status.runtimeStatus),
          createdTime: new Date(status.createdTime).toISOString(),
          lastUpdatedTime: new Date(status.lastUpdatedTime).toISOString(),
        }
      : {}),
    ...(running && custom
      ? {
          step: custom.step,
          ...(custom.waitingFor ? { waitingFor: custom.waitingFor } : {}),
          ...(custom.until ? { until: custom.until } : {}),
        }
      : {}),
    steps: record?.steps ?? custom?.completed ?? [],
    ...(outcome ? { outcome } : {}),
    ...(record ? { startedAt: record.startedAt, endedAt: record.endedAt } : {}),
  };
}
