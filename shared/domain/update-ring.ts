import { createHash } from 'node:crypto';
import { updateRings, type UpdateRing, type UpdateRingShares } from './tenant';

/**
 * The ring a device belongs to: a stable hash of tenant and serial number placed on the tenant's cumulative ring
 * percentages. The same device always lands in the same ring (replays, re-onboarding), and across a fleet the rings
 * fill in the tenant's proportions.
 */
export function ringForDevice(tenantId: string, serialNumber: string, shares: UpdateRingShares): UpdateRing {
  const digest = createHash('sha256')
    .update(`${tenantId.toLowerCase()}\n${serialNumber.toUpperCase()}`)
    .digest();
  const point = (digest.readUInt32BE(0) / 2 ** 32) * 100;
  let upper = 0;
  for (const ring of updateRings) {
    upper += shares[ring];
    if (point < upper) return ring;
  }
  return 'broad';
}
