import { parse, toSeconds } from 'iso8601-duration';

/**
 * Milliseconds in an ISO 8601 duration of days, hours, minutes and whole seconds (`P14D`, `PT30M`, `P1DT12H`).
 * Parsing is the library's (the broker uses the same one); this refuses calendar units and fractions, whose length
 * depends on the date they start from, so an orchestration reading a setting gets the same number on every replay.
 */
export function isoDurationMs(duration: string): number {
  let parts: ReturnType<typeof parse>;
  try {
    parts = parse(duration);
  } catch {
    throw new RangeError(`not an ISO 8601 duration: ${duration}`);
  }
  const calendar = (parts.years ?? 0) + (parts.months ?? 0) + (parts.weeks ?? 0);
  const fraction = [parts.days, parts.hours, parts.minutes, parts.seconds].some(
    (n) => !Number.isInteger(n ?? 0),
  );
  if (calendar > 0 || fraction || duration.endsWith('T'))
    throw new RangeError(`not an ISO 8601 duration of days, hours, minutes and seconds: ${duration}`);
  // A fixed start keeps toSeconds from reading the clock; without calendar units the start changes nothing.
  return toSeconds(parts, new Date(0)) * 1000;
}
