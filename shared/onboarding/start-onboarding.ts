import { type DurableClient, type DurableOrchestrationStatus } from 'durable-functions';
import { onboardingOrchestration, type OnboardingOutcome, type OnboardingRequest } from './contract';
import { onboardingInstanceId } from './device-order';

/** durable-functions reports an unknown instance only through the text of the error it throws. */
export function isUnknownInstance(error: unknown): boolean {
  return error instanceof Error && /HTTP 404/.test(error.message);
}

/**
 * Whether a finished onboarding may run again under its id: when it failed for a reason a later run may not meet
 * (`unexpectedError`: retries ran out on transient faults), or the orchestration itself failed. A device that was
 * onboarded, or failed for a business reason, or was terminated by an operator, is never restarted by an order.
 */
export function mayRestart(status: Pick<DurableOrchestrationStatus, 'runtimeStatus' | 'output'>): boolean {
  const runtime = String(status.runtimeStatus);
  if (runtime === 'Failed') return true;
  if (runtime !== 'Completed') return false;
  const output = status.output as Partial<OnboardingOutcome> | null | undefined;
  return output?.status === 'failed' && output.reason === 'unexpectedError';
}

/**
 * Starts the device's orchestration unless one exists under its deterministic id: a re-sent order never restarts a
 * device that is being, or has been, onboarded. It does restart, under the same id, a device whose last run failed
 * for a transient reason (`mayRestart`); Durable replaces a finished instance on `startNew`. Two concurrent starts
 * of the same id lose nothing either: the extension refuses the second while the first runs, and that refusal
 * means "exists".
 */
export async function startOnboardingIfNew(
  client: DurableClient,
  request: OnboardingRequest,
  /**
   * Runs before a start, and a failure here prevents it: the audit record of the start. A restart names the run it
   * replaces, so that each run is recorded once.
   */
  beforeStart: (replaces?: { createdTime: Date }) => Promise<void> = () => Promise.resolve(),
): Promise<'started' | 'restarted' | 'exists'> {
  const instanceId = onboardingInstanceId(request.tenantId, request.serialNumber);
  let replaces: { createdTime: Date } | undefined;
  try {
    const existing = await client.getStatus(instanceId);
    if (!mayRestart(existing)) return 'exists';
    replaces = { createdTime: new Date(existing.createdTime) };
  } catch (error) {
    if (!isUnknownInstance(error)) throw error;
  }
  const restart = replaces !== undefined;
  await beforeStart(replaces);
  try {
    await client.startNew(onboardingOrchestration, { instanceId, input: request });
    return restart ? 'restarted' : 'started';
  } catch (error) {
    const status = await client.getStatus(instanceId).catch(() => undefined);
    if (status && !mayRestart(status)) return 'exists';
    throw error;
  }
}
