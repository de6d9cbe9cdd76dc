import { type WaitKind, type WatchRoundSummary } from '../contract';

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;

/**
 * How often a round runs: as often as the fastest kind of wait asks, never more often than its reads are worth
 * (`perPageMs` of pause per listing page read), slower while nothing changes, and slower still once every wait is
 * old (a device stuck for a day is looked at every few hours, like the old per-device polling did). A throttled
 * round's next one comes no sooner than the service's Retry-After, whatever the caps say.
 */
export const watchPacing = {
  fastestMs: { import: 1 * minute, enrollment: 5 * minute, encryption: 2 * minute, defender: 2 * minute },
  perPageMs: 15 * second,
  quietFactor: 2,
  maxMs: 15 * minute,
  maxAfterTwoHoursMs: 1 * hour,
  maxAfterADayMs: 6 * hour,
} as const satisfies { fastestMs: Record<WaitKind, number> } & Record<string, unknown>;

export function nextDelay(
  summary: Pick<WatchRoundSummary, 'byKind' | 'raised' | 'imported' | 'pages' | 'degraded' | 'retryAfterMs'>,
  waits: { since: string }[],
  lastDelayMs: number,
  now: Date,
): number {
  const kinds = Object.keys(summary.byKind) as WaitKind[];
  if (kinds.length === 0) return watchPacing.fastestMs.import;
  const fastest = Math.min(...kinds.map((k) => watchPacing.fastestMs[k]));
  const youngest = Math.max(...waits.map((w) => Date.parse(w.since)));
  const age = now.getTime() - youngest;
  const max =
    age > 24 * hour
      ? watchPacing.maxAfterADayMs
      : age > 2 * hour
        ? watchPacing.maxAfterTwoHoursMs
        : watchPacing.maxMs;
  const quiet = summary.raised === 0 && summary.imported === 0;
  let delay = quiet || summary.degraded ? Math.max(fastest, lastDelayMs * watchPacing.quietFactor) : fastest;
  delay = Math.max(delay, summary.pages * watchPacing.perPageMs);
  return Math.max(Math.min(delay, Math.max(max, fastest)), summary.retryAfterMs ?? 0);
}
