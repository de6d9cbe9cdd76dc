/**
 * What a device's Defender Antivirus reports (Intune's windowsProtectionState, Defender's device AV info,
 * the DefenderAgents report), derived from the device's state at one moment.
 */
import { engineVersionAt, platformVersionAt, signatureVersionAt } from './catalog';
import { type SimDevice } from './device';

const day = 24 * 3_600_000;

export interface ProtectionFacts {
  malwareProtectionEnabled: boolean;
  realTimeProtectionEnabled: boolean;
  networkInspectionSystemEnabled: boolean;
  tamperProtectionEnabled: boolean;
  quickScanOverdue: boolean;
  fullScanOverdue: boolean;
  signatureUpdateOverdue: boolean;
  rebootRequired: boolean;
  fullScanRequired: boolean;
  engineVersion: string;
  signatureVersion: string;
  antiMalwareVersion: string;
  signatureUpdatedAt: number;
  lastQuickScanAt: number | null;
  lastFullScanAt: number | null;
  lastQuickScanSignatureVersion: string | null;
  lastFullScanSignatureVersion: string | null;
  lastReportedAt: number;
  /** windowsDeviceHealthState */
  deviceState:
    | 'clean'
    | 'fullScanPending'
    | 'rebootPending'
    | 'manualStepsPending'
    | 'offlineScanPending'
    | 'critical';
  /** windowsDefenderProductStatus (the first flag that applies) */
  productStatus:
    | 'noStatus'
    | 'avSignaturesOutOfDate'
    | 'noQuickScanHappenedForSpecifiedPeriod'
    | 'serviceStartedWithoutMalwareProtection';
  avMode: 'active' | 'passive';
  isVirtualMachine: boolean;
}

export function protectionFacts(device: SimDevice, now: number): ProtectionFacts {
  const contact = device.lastContact(now);
  const signatures = device.signatures(now);
  const lastQuickScanAt = device.lastQuickScanAt(now);
  const lastFullScanAt = device.lastFullScanAt(now);
  // Engine and platform ride along with definitions; a device stuck on old definitions is stuck on both.
  const versionTime = signatures.updatedAt;
  const quickScanOverdue = lastQuickScanAt === null || contact - lastQuickScanAt > 7 * day;
  const productStatus = !device.realTimeProtection
    ? 'serviceStartedWithoutMalwareProtection'
    : signatures.overdue
      ? 'avSignaturesOutOfDate'
      : quickScanOverdue
        ? 'noQuickScanHappenedForSpecifiedPeriod'
        : 'noStatus';
  return {
    malwareProtectionEnabled: !device.passiveAntivirus,
    realTimeProtectionEnabled: device.realTimeProtection,
    networkInspectionSystemEnabled: device.realTimeProtection,
    tamperProtectionEnabled: device.tamperProtection,
    quickScanOverdue,
    fullScanOverdue: false,
    signatureUpdateOverdue: signatures.overdue,
    rebootRequired: false,
    fullScanRequired: false,
    engineVersion: engineVersionAt(versionTime),
    signatureVersion: signatures.version,
    antiMalwareVersion: platformVersionAt(versionTime),
    signatureUpdatedAt: signatures.updatedAt,
    lastQuickScanAt,
    lastFullScanAt,
    lastQuickScanSignatureVersion:
      lastQuickScanAt === null ? null : scanSignature(signatures.updatedAt, lastQuickScanAt),
    lastFullScanSignatureVersion:
      lastFullScanAt === null ? null : scanSignature(signatures.updatedAt, lastFullScanAt),
    lastReportedAt: device.lastSyncAt(now),
    deviceState: 'clean',
    productStatus,
    avMode: device.passiveAntivirus ? 'passive' : 'active',
    isVirtualMachine: device.hardware.model === 'Virtual Machine',
  };
}

/** The definitions a scan ran with: the build the device had at the time of the scan. */
function scanSignature(signaturesUpdatedAt: number, scannedAt: number): string {
  return signatureVersionAt(Math.min(signaturesUpdatedAt, scannedAt));
}
