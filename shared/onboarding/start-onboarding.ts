import { type DurableClient } from 'durable-functions';
import { onboardingOrchestration, type OnboardingRequest } from './contract';
import { onboardingInstanceId } from './device-order';

/** durable-functions reports an unknown instance only through the text of the error it throws. */
export function isUnknownInstance(error: unknown): boolean {
  return error instanceof Error && /HTTP 404/.test(error.message);
}

/**
 * Starts the device's orchestration unless one exists under its deterministic id, whatever its state: a re-sent
 * order never restarts a device that is being, or has been, onboarded. Two concurrent starts of the same id lose
 * nothing either: the extension refuses the second while the first runs, and that refusal means "exists".
 */
export async function startOnboardingIfNew(
  client: DurableClient,
  request: OnboardingRequest,
  /** Runs before a start, and a failure here prevents it: the audit record of the start. */
  beforeStart: () => Promise<void> = () => Promise.resolve(),
): Promise<'started' | 'exists'> {
  const instanceId = onboardingInstanceId(request.tenantId, request.serialNumber);
  try {
    await client.getStatus(instanceId);
    return 'exists';
  } catch (error) {
    if (!isUnknownInstance(error)) throw error;
  }
  await beforeStart();
  try {
    await client.startNew(onboardingOrchestration, { instanceId, input: request });
    return 'started';
  } catch (error) {
    const status = await client.getStatus(instanceId).catch(() => undefined);
    if (status) return 'exists';
    throw error;
  }
}
