import {
  type DeviceVerdict,
  type HealthChange,
  type HealthSnapshot,
  type HealthTransition,
} from './contract';
import { stableId } from './ids';

/**
 * The `healthChanged` to publish, if any: only healthy ⇄ unhealthy. A device not reporting changes nothing (its last
 * reported health stands); a device seen for the first time is published only when it is unhealthy. The id is
 * derived from device, transition, baseline version and the sweep's instant: a replayed sweep sends the same id.
 */
export const healthTransition: HealthTransition = (previous, next) => {
  if (next.health === 'notReporting') return undefined;
  const from = previous?.health ?? 'unknown';
  const to = next.health;
  if (from === to || (from === 'unknown' && to === 'healthy')) return undefined;
  const change: HealthChange = {
    eventId: stableId(
      'healthChanged',
      next.tenantId,
      next.deviceId,
      from,
      to,
      next.baselineVersion,
      next.evaluatedAt,
    ),
    tenantId: next.tenantId,
    deviceId: next.deviceId,
    from,
    to,
    rules: to === 'unhealthy' ? next.failing : (previous?.failing ?? []),
    baselineVersion: next.baselineVersion,
    at: next.evaluatedAt,
  };
  return change;
};

/**
 * The snapshot to keep after this verdict: the new health (with `since` carried over while it stays the same), or
 * the previous one unchanged when the device is not reporting.
 */
export function healthSnapshot(
  previous: HealthSnapshot | undefined,
  next: DeviceVerdict,
): HealthSnapshot | undefined {
  if (next.health === 'notReporting') return previous;
  const since = previous?.health === next.health ? previous.since : next.evaluatedAt;
  return { health: next.health, failing: next.failing, since };
}
