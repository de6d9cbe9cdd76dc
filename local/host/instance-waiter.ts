import type { Clock } from '@mds/platform-kit';
import type { InstanceStatus, OrchestrationEngine } from './durable/engine';
import { terminalStatuses } from './durable/instance-store';
import { HostTimeoutError, type WorkTracker } from './work-tracker';

interface SteppableClock extends Clock {
  nextDue(): number | undefined;
  advanceTo(at: number): Promise<void>;
}

function isSteppable(clock: Clock): clock is SteppableClock {
  return 'nextDue' in clock && 'advanceTo' in clock;
}

/**
 * Waits for an orchestration instance to reach a terminal status. Whenever the host is idle and the clock
 * can be stepped (a `VirtualClock`), the clock jumps to the next due callback: a three-day durable timer
 * passes in milliseconds. Any due callback counts (timer triggers too), so a frequent timer trigger makes
 * the jump happen in several steps.
 */
export async function waitForInstance(
  engine: OrchestrationEngine,
  work: WorkTracker,
  clock: Clock,
  instanceId: string,
  timeoutMs: number,
): Promise<InstanceStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = engine.status(instanceId);
    if (status && terminalStatuses.has(status.runtimeStatus)) return status;
    const due = work.idle && isSteppable(clock) ? clock.nextDue() : undefined;
    if (due !== undefined && isSteppable(clock)) {
      await clock.advanceTo(Math.max(due, clock.now()));
      continue;
    }
    if (!status && work.idle) throw new Error(`No orchestration instance "${instanceId}".`);
    const remaining = deadline - Date.now();
    if (remaining <= 0 || !(await work.nextChange(remaining))) {
      const idle = work.idle ? '; the host is idle and nothing is scheduled' : '';
      throw new HostTimeoutError(
        `Instance "${instanceId}" is still ${status?.runtimeStatus ?? 'unknown'} after ${timeoutMs} ms${idle}.`,
      );
    }
  }
}
