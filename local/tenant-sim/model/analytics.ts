/**
 * Endpoint analytics for a device (boot and sign-in times, crashes, restarts), stable per device: most
 * devices meet goals, HDD machines boot slowly, and a small tail crashes often.
 */
import { type SimDevice } from './device';

const day = 24 * 3_600_000;

export interface DevicePerformance {
  bootScore: number;
  coreBootTimeInMs: number;
  groupPolicyBootTimeInMs: number;
  loginScore: number;
  coreLoginTimeInMs: number;
  groupPolicyLoginTimeInMs: number;
  responsiveDesktopTimeInMs: number;
  blueScreenCount: number;
  restartCount: number;
  startupPerformanceScore: number;
  healthStatus: 'insufficientData' | 'needsAttention' | 'meetingGoals';
}

/** A number in [0, 1) that depends only on the device and `salt`. */
function draw(device: SimDevice, salt: number): number {
  return device.phase(salt, 1_000_000) / 1_000_000;
}

export function devicePerformance(device: SimDevice, now: number): DevicePerformance {
  const slowDisk = device.hardware.diskType === 'hdd';
  const coreBootTimeInMs = Math.round(
    (slowDisk ? 45_000 : 12_000) + draw(device, 11) * (slowDisk ? 60_000 : 25_000),
  );
  const groupPolicyBootTimeInMs = Math.round(1_000 + draw(device, 12) * 8_000);
  const coreLoginTimeInMs = Math.round(4_000 + draw(device, 13) * (slowDisk ? 40_000 : 15_000));
  const groupPolicyLoginTimeInMs = Math.round(500 + draw(device, 14) * 5_000);
  const crashRoll = draw(device, 15);
  const blueScreenCount =
    crashRoll < 0.92
      ? 0
      : crashRoll < 0.99
        ? 1 + Math.floor(draw(device, 16) * 3)
        : 4 + Math.floor(draw(device, 16) * 9);
  const restartCount = 2 + Math.floor(draw(device, 17) * 25) + blueScreenCount;
  const bootScore = Math.max(
    0,
    Math.min(100, Math.round(100 - (coreBootTimeInMs + groupPolicyBootTimeInMs) / 900)),
  );
  const loginScore = Math.max(
    0,
    Math.min(100, Math.round(100 - (coreLoginTimeInMs + groupPolicyLoginTimeInMs) / 500)),
  );
  const startupPerformanceScore = Math.round(((bootScore + loginScore) / 2) * 10) / 10;
  const healthStatus =
    now - device.enrolledAt < 14 * day
      ? 'insufficientData'
      : startupPerformanceScore < 50 || blueScreenCount > 3
        ? 'needsAttention'
        : 'meetingGoals';
  return {
    bootScore,
    coreBootTimeInMs,
    groupPolicyBootTimeInMs,
    loginScore,
    coreLoginTimeInMs,
    groupPolicyLoginTimeInMs,
    responsiveDesktopTimeInMs: coreLoginTimeInMs + Math.round(draw(device, 18) * 6_000),
    blueScreenCount,
    restartCount,
    startupPerformanceScore,
    healthStatus,
  };
}

/** Storage and network identity of a device, stable per device. */
export function deviceHardwareFacts(device: SimDevice): {
  totalStorageSpaceInBytes: number;
  freeStorageSpaceInBytes: number;
  wiFiMacAddress: string;
  physicalMemoryInBytes: number;
} {
  const total = (draw(device, 21) < 0.6 ? 256 : 512) * 1_000_000_000;
  const mac = [device.phase(22, 2 ** 32), device.phase(23, 2 ** 32)]
    .map((part) => part.toString(16).padStart(8, '0'))
    .join('')
    .slice(0, 12)
    .toUpperCase();
  return {
    totalStorageSpaceInBytes: total,
    freeStorageSpaceInBytes: Math.round(total * (0.1 + draw(device, 24) * 0.6)),
    wiFiMacAddress: mac,
    physicalMemoryInBytes: (draw(device, 25) < 0.7 ? 16 : 32) * 1024 ** 3,
  };
}
