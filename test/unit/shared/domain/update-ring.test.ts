import { ringForDevice } from '../../../../shared/domain/update-ring';
import { updateRingSharesSchema } from '../../../../shared/domain/tenant';

const shares = { test: 5, first: 15, fast: 30, broad: 50 };

describe('ringForDevice', () => {
  it('is stable for a device and ignores serial number case', () => {
    const first = ringForDevice('tenant-a', 'SN-0001', shares);
    expect(ringForDevice('tenant-a', 'sn-0001', shares)).toBe(first);
    expect(ringForDevice('TENANT-A', 'SN-0001', shares)).toBe(first);
  });

  it('fills the rings in the tenant proportions across a fleet', () => {
    const counts = { test: 0, first: 0, fast: 0, broad: 0 };
    const n = 20000;
    for (let i = 0; i < n; i++) counts[ringForDevice('tenant-a', `SN-${i}`, shares)]++;
    expect(counts.test / n).toBeGreaterThan(0.04);
    expect(counts.test / n).toBeLessThan(0.06);
    expect(counts.first / n).toBeGreaterThan(0.13);
    expect(counts.first / n).toBeLessThan(0.17);
    expect(counts.fast / n).toBeGreaterThan(0.28);
    expect(counts.fast / n).toBeLessThan(0.32);
    expect(counts.broad / n).toBeGreaterThan(0.48);
    expect(counts.broad / n).toBeLessThan(0.52);
  });

  it('never picks a ring with a zero share', () => {
    for (let i = 0; i < 2000; i++)
      expect(ringForDevice('t', `S${i}`, { test: 0, first: 0, fast: 100, broad: 0 })).toBe('fast');
  });

  it('refuses shares that do not add up to 100', () => {
    expect(updateRingSharesSchema.safeParse({ test: 5, first: 15, fast: 30, broad: 40 }).success).toBe(false);
    expect(updateRingSharesSchema.safeParse(shares).success).toBe(true);
  });
});
