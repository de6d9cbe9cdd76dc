const pattern = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Milliseconds in an ISO 8601 duration of days, hours, minutes and seconds (`P14D`, `PT30M`, `P1DT12H`). */
export function isoDurationMs(duration: string): number {
  const match = pattern.exec(duration);
  if (!match || duration === 'P' || duration.endsWith('T'))
    throw new RangeError(`not an ISO 8601 duration: ${duration}`);
  const [, d = '0', h = '0', m = '0', s = '0'] = match;
  return ((Number(d) * 24 + Number(h)) * 60 + Number(m)) * 60_000 + Number(s) * 1000;
}
