import { type WatchRoundSummary } from '../../../../shared/onboarding/contract';
import { nextDelay, watchPacing } from '../../../../shared/onboarding/watcher/pacing';

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const now = new Date('2026-01-02T00:00:00.000Z');
const since = (ageMs: number) => ({ since: new Date(now.getTime() - ageMs).toISOString() });

type Round = Pick<
  WatchRoundSummary,
  'byKind' | 'raised' | 'imported' | 'pages' | 'degraded' | 'retryAfterMs'
>;
const round = (r: Partial<Round>): Round => ({
  byKind: { enrollment: 1 },
  raised: 1,
  imported: 0,
  pages: 1,
  degraded: false,
  ...r,
});

describe('watcher pacing', () => {
  it('runs as often as the fastest kind of wait asks while rounds bring news', () => {
    expect(nextDelay(round({ byKind: { enrollment: 3 } }), [since(minute)], 30 * second, now)).toBe(
      5 * minute,
    );
    expect(nextDelay(round({ byKind: { enrollment: 3, import: 2 } }), [since(minute)], 5 * minute, now)).toBe(
      minute,
    );
    expect(
      nextDelay(round({ byKind: { defender: 1 }, raised: 0, imported: 4 }), [since(0)], 8 * minute, now),
    ).toBe(2 * minute);
  });

  it('doubles the delay while nothing changes, up to 15 minutes for young waits', () => {
    const quiet = round({ byKind: { encryption: 1 }, raised: 0 });
    expect(nextDelay(quiet, [since(10 * minute)], 2 * minute, now)).toBe(4 * minute);
    expect(nextDelay(quiet, [since(10 * minute)], 4 * minute, now)).toBe(8 * minute);
    expect(nextDelay(quiet, [since(10 * minute)], 8 * minute, now)).toBe(15 * minute);
    expect(nextDelay(quiet, [since(10 * minute)], 15 * minute, now)).toBe(watchPacing.maxMs);
  });

  it('backs off the same way after a throttled or failing round, even one that raised events', () => {
    expect(nextDelay(round({ degraded: true }), [since(minute)], 5 * minute, now)).toBe(10 * minute);
  });

  it('looks less often once every wait is old: hourly after two hours, every six hours after a day', () => {
    const quiet = round({ raised: 0 });
    // The youngest wait decides: one fresh wait keeps the tenant on the 15-minute cap.
    expect(nextDelay(quiet, [since(3 * hour), since(minute)], hour, now)).toBe(15 * minute);
    expect(nextDelay(quiet, [since(3 * hour), since(2 * hour + minute)], hour, now)).toBe(hour);
    expect(nextDelay(quiet, [since(25 * hour)], 4 * hour, now)).toBe(6 * hour);
    expect(nextDelay(quiet, [since(25 * hour)], 6 * hour, now)).toBe(6 * hour);
  });

  it('pauses 15 seconds per listing page a round read', () => {
    expect(nextDelay(round({ byKind: { import: 5 }, pages: 12 }), [since(0)], minute, now)).toBe(3 * minute);
    // Never beyond the cap: a huge tenant is still looked at every 15 minutes.
    expect(nextDelay(round({ byKind: { import: 5 }, pages: 400 }), [since(0)], minute, now)).toBe(
      15 * minute,
    );
  });

  it("waits at least the service's Retry-After, beyond any cap", () => {
    const throttled = round({ degraded: true, retryAfterMs: 3_000 * second });
    expect(nextDelay(throttled, [since(minute)], minute, now)).toBe(3_000 * second);
    expect(nextDelay(round({ degraded: true, retryAfterMs: 30 * second }), [since(0)], 5 * minute, now)).toBe(
      10 * minute,
    );
  });

  it('answers the import cadence when nothing waits (the watcher is about to stop)', () => {
    expect(nextDelay(round({ byKind: {} }), [], 6 * hour, now)).toBe(minute);
  });
});
