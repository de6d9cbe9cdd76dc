import { type DurableClient } from 'durable-functions';
import { DependencyUnavailableError } from '../../errors';
import { type WaitRegistration, watcherInstanceId, watchOrchestration, type WatchInput } from '../contract';
import { type WaitStore } from './wait-store';

const live = new Set(['Running', 'Pending', 'ContinuedAsNew']);

/**
 * A device's registration: its wait first, then the watcher. The order matters (see `WaitStore`): a watcher that
 * decides to stop after this wait was written either sees it, or loses its guarded stop to this claim. The start
 * is idempotent: nothing happens while the watcher runs; a watcher that ended (stopped, failed, terminated) is
 * started again under its deterministic id.
 */
export async function registerWait(
  waits: WaitStore,
  client: DurableClient,
  registration: WaitRegistration,
): Promise<'running' | 'started'> {
  await waits.register(registration);
  const claimed = await waits.claimWatcher(registration.tenantId);
  const instanceId = watcherInstanceId(registration.tenantId);
  const live = await isLive(client, instanceId);
  if (claimed.claim === 'running' && live) return 'running';
  if (live)
    // The watcher stopped for good a moment ago and its instance is finishing, or another registration has just
    // started the new one: either way the activity's retry finds out in seconds.
    throw new DependencyUnavailableError(`watcher ${instanceId} is between runs`, 'durable');
  const input: WatchInput = { tenantId: registration.tenantId, rounds: 0, delayMs: 0 };
  try {
    await client.startNew(watchOrchestration, { instanceId, input });
  } catch (error) {
    if (!(await isLive(client, instanceId))) throw error;
    // A dead watcher (failed, terminated) that another registration has just started again: it sees this wait.
    if (claimed.claim === 'running') return 'running';
    throw new DependencyUnavailableError(`watcher ${instanceId} was started concurrently`, 'durable', {
      cause: error,
    });
  }
  if (claimed.claim === 'start') await waits.confirmRunning(registration.tenantId, claimed.etag);
  return 'started';
}

async function isLive(client: DurableClient, instanceId: string): Promise<boolean> {
  try {
    const status = await client.getStatus(instanceId);
    return live.has(String(status.runtimeStatus));
  } catch (error) {
    if (error instanceof Error && /HTTP 404/.test(error.message)) return false;
    throw error;
  }
}
