/** Parses the ISO 8601 durations Service Bus entity settings use (`PT1M`, `PT10M`, `P14D`, `PT0.5S`) into ms. */
export function parseIsoDuration(text: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) {
    throw new RangeError(`'${text}' is not an ISO 8601 duration such as PT1M or P14D`);
  }
  const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = match;
  return Math.round(
    ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000,
  );
}
