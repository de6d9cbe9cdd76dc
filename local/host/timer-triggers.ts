import { Cron } from 'croner';
import type { Clock } from '@mds/platform-kit';
import type { RegisteredFunction } from './app-loader';
import { resolveSettingReferences } from './host-config';
import type { Invoker } from './invoker';
import type { WorkTracker } from './work-tracker';

export class TimerScheduleError extends Error {
  override readonly name = 'TimerScheduleError';
}

// .NET's DateTime.MinValue, which the real host reports as `last` before a timer has ever fired.
const neverFired = '0001-01-01T00:00:00';
// An occurrence that starts later than this after its due time is reported as past due.
const pastDueToleranceMs = 1000;

interface ArmedTimer {
  readonly fn: RegisteredFunction;
  readonly cron: Cron;
  lastDue: number | undefined;
  cancel: (() => void) | undefined;
  // Occurrences of one timer never overlap, as with the real host's singleton lock.
  queue: Promise<void>;
}

function parseSchedule(fn: RegisteredFunction): Cron {
  const raw = fn.trigger.schedule;
  if (typeof raw !== 'string') throw new TimerScheduleError(`Timer function "${fn.name}" has no schedule.`);
  const schedule = resolveSettingReferences(raw).trim();
  if (schedule.split(/\s+/).length !== 6) {
    throw new TimerScheduleError(
      `Timer function "${fn.name}": "${schedule}" is not a 6-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week}).`,
    );
  }
  try {
    // NCRONTAB requires both day fields to match (legacyMode off); Azure evaluates schedules in UTC by default.
    return new Cron(schedule, { paused: true, timezone: 'Etc/UTC', legacyMode: false });
  } catch (error) {
    throw new TimerScheduleError(
      `Timer function "${fn.name}": invalid schedule "${schedule}": ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function isDisabled(name: string): boolean {
  const value = process.env[`AzureWebJobs.${name}.Disabled`] ?? process.env[`AzureWebJobs_${name}_Disabled`];
  return value?.toLowerCase() === 'true' || value === '1';
}

/**
 * Fires timer-triggered functions on the host's clock. Each occurrence is scheduled from the previous due
 * time (not from when the invocation ended), so a virtual clock jumping an hour fires every occurrence once.
 */
export class TimerTriggers {
  private readonly timers: ArmedTimer[];

  constructor(
    functions: Iterable<RegisteredFunction>,
    private readonly clock: Clock,
    private readonly invoker: Invoker,
    private readonly work: WorkTracker,
  ) {
    this.timers = [...functions]
      .filter((fn) => fn.trigger.type.toLowerCase() === 'timertrigger')
      .map((fn) => ({
        fn,
        cron: parseSchedule(fn),
        lastDue: undefined,
        cancel: undefined,
        queue: Promise.resolve(),
      }));
  }

  start(): void {
    for (const timer of this.timers) {
      // The real host's `AzureWebJobs.<name>.Disabled` setting: the schedule does not fire (the admin API still runs it).
      if (isDisabled(timer.fn.name)) continue;
      if (timer.fn.trigger.runOnStartup === true)
        this.enqueue(timer, this.clock.now(), 'Timer fired on startup (runOnStartup)');
      this.arm(timer, this.clock.now());
    }
  }

  stop(): void {
    for (const timer of this.timers) timer.cancel?.();
  }

  /** The payload the real host sends for a timer trigger; the library camel-cases it into a `Timer`. */
  timerPayload(fn: RegisteredFunction, due: number, last: number | undefined): Record<string, unknown> {
    const timer = this.timers.find((t) => t.fn === fn);
    const next = timer?.cron.nextRun(new Date(due))?.toISOString() ?? null;
    const now = this.clock.now();
    return {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: {
        Last: last === undefined ? neverFired : new Date(last).toISOString(),
        Next: next,
        LastUpdated: new Date(now).toISOString(),
      },
      IsPastDue: now - due > pastDueToleranceMs,
    };
  }

  private arm(timer: ArmedTimer, after: number): void {
    const next = timer.cron.nextRun(new Date(after));
    if (!next) return;
    const due = next.getTime();
    timer.cancel = this.clock.schedule(due, () => {
      this.arm(timer, due);
      this.enqueue(timer, due, `Timer fired at ${new Date(due).toISOString()}`);
    });
  }

  private enqueue(timer: ArmedTimer, due: number, reason: string): void {
    // The payload describes the occurrence when it fired, even if an earlier occurrence still runs.
    const payload = JSON.stringify(this.timerPayload(timer.fn, due, timer.lastDue));
    timer.lastDue = due;
    const run = timer.queue.then(async () => {
      await this.invoker.invoke(timer.fn, { triggerData: { json: payload }, reason });
    });
    // A failed occurrence is logged by the invoker and must not stop later ones.
    timer.queue = run.catch(() => undefined);
    this.work.spawn(() => timer.queue);
  }
}
