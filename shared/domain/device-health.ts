/**
 * A device's security health as the service judges it from what it last observed: healthy only when BitLocker is on
 * with its recovery key escrowed, and Defender is onboarded, active and current. A device never observed (or whose
 * onboarding failed before the checks) is `unknown`, not healthy.
 */
export const deviceHealthStates = ['healthy', 'unhealthy', 'unknown'] as const;
export type DeviceHealth = (typeof deviceHealthStates)[number];

export interface ObservedState {
  encryption?: { encrypted: boolean; recoveryKeyEscrowed: boolean };
  defender?: { onboarded: boolean; active: boolean; signaturesCurrent: boolean };
}

export function deviceHealth(observed: ObservedState): DeviceHealth {
  const { encryption, defender } = observed;
  if (!encryption && !defender) return 'unknown';
  const encrypted = encryption?.encrypted === true && encryption.recoveryKeyEscrowed;
  const protectedByDefender = defender?.onboarded === true && defender.active && defender.signaturesCurrent;
  if (encrypted && protectedByDefender) return 'healthy';
  // One check missing with the other failing is already unhealthy; one missing with the other passing is not known.
  if ((encryption && !encrypted) || (defender && !protectedByDefender)) return 'unhealthy';
  return 'unknown';
}
