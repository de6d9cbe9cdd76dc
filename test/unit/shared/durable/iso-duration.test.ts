import { isoDurationMs } from '../../../../shared/durable/iso-duration';

describe('isoDurationMs', () => {
  it('reads days, hours, minutes and seconds', () => {
    expect(isoDurationMs('P14D')).toBe(14 * 24 * 3600 * 1000);
    expect(isoDurationMs('PT30M')).toBe(30 * 60 * 1000);
    expect(isoDurationMs('P1DT12H')).toBe(36 * 3600 * 1000);
    expect(isoDurationMs('PT45S')).toBe(45_000);
  });

  it('refuses what is not a duration', () => {
    for (const bad of ['P', 'PT', '14D', 'P1W', 'P1DT', 'PT1.5H'])
      expect(() => isoDurationMs(bad)).toThrow(RangeError);
  });
});
