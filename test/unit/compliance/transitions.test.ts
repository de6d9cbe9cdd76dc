import fc from 'fast-check';
import { type DeviceFacts, type HealthSnapshot } from '../../../shared/compliance/baseline/contract';
import { evaluateDevice } from '../../../shared/compliance/baseline/evaluate';
import { complianceBaseline } from '../../../shared/compliance/baseline/rules';
import { defaultTenantComplianceSettings } from '../../../shared/compliance/baseline/settings';
import { healthSnapshot, healthTransition } from '../../../shared/compliance/baseline/transitions';
import { healthyDeviceFacts } from '../../../local/dev/compliance-fleet';

const start = Date.parse('2026-12-01T08:00:00Z');
const sweepMs = 4 * 3_600_000;
const tenantId = 'tenant-a';
const settings = defaultTenantComplianceSettings(tenantId, { test: 0, first: 1, fast: 9, broad: 90 });

type State = 'healthy' | 'unhealthy' | 'notReporting';

function verdictAt(state: State, at: number) {
  const facts: DeviceFacts = healthyDeviceFacts(tenantId, 1, at);
  if (state === 'unhealthy') facts.protectionState!.signatureUpdateOverdue = true;
  if (state === 'notReporting')
    facts.managedDevice!.lastSyncDateTime = new Date(at - 10 * 86_400_000).toISOString();
  return evaluateDevice(facts, complianceBaseline, settings, at);
}

describe('health transitions', () => {
  it('publishes healthy → unhealthy with the failing rules, and back with the rules that had failed', () => {
    const healthy = verdictAt('healthy', start);
    const snapshot = healthSnapshot(undefined, healthy);
    expect(healthTransition(undefined, healthy)).toBeUndefined();
    const unhealthy = verdictAt('unhealthy', start + sweepMs);
    const down = healthTransition(snapshot, unhealthy);
    expect(down).toMatchObject({
      tenantId,
      deviceId: 'md-00000001',
      from: 'healthy',
      to: 'unhealthy',
      rules: ['MDS-AV-04'],
      baselineVersion: complianceBaseline.version,
      at: '2026-12-01T12:00:00.000Z',
    });
    const later = healthSnapshot(snapshot, unhealthy);
    const up = healthTransition(later, verdictAt('healthy', start + 2 * sweepMs));
    expect(up).toMatchObject({ from: 'unhealthy', to: 'healthy', rules: ['MDS-AV-04'] });
    expect(up?.eventId).not.toBe(down?.eventId);
  });

  it('a device first seen unhealthy is published from unknown; the same state again publishes nothing', () => {
    const unhealthy = verdictAt('unhealthy', start);
    expect(healthTransition(undefined, unhealthy)).toMatchObject({ from: 'unknown', to: 'unhealthy' });
    const snapshot = healthSnapshot(undefined, unhealthy);
    expect(healthTransition(snapshot, verdictAt('unhealthy', start + sweepMs))).toBeUndefined();
    expect(healthSnapshot(snapshot, verdictAt('unhealthy', start + sweepMs))?.since).toBe(snapshot?.since);
  });

  it('notReporting publishes nothing and keeps the last reported snapshot', () => {
    const snapshot = healthSnapshot(undefined, verdictAt('healthy', start));
    const silent = verdictAt('notReporting', start + sweepMs);
    expect(healthTransition(snapshot, silent)).toBeUndefined();
    expect(healthSnapshot(snapshot, silent)).toBe(snapshot);
    expect(healthSnapshot(undefined, silent)).toBeUndefined();
  });

  it('the event id is stable for the same sweep (a replay) and differs by sweep, device and baseline version', () => {
    const snapshot = healthSnapshot(undefined, verdictAt('healthy', start));
    const id = (verdict: ReturnType<typeof verdictAt>) => healthTransition(snapshot, verdict)?.eventId;
    const unhealthy = verdictAt('unhealthy', start + sweepMs);
    expect(id(verdictAt('unhealthy', start + sweepMs))).toBe(id(unhealthy));
    expect(id(verdictAt('unhealthy', start + 2 * sweepMs))).not.toBe(id(unhealthy));
    expect(id({ ...unhealthy, deviceId: 'md-other' })).not.toBe(id(unhealthy));
    expect(id({ ...unhealthy, baselineVersion: '1.1.0' })).not.toBe(id(unhealthy));
    expect(id(unhealthy)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('property: over any sequence of sweeps, events alternate and appear exactly where the reported health changes', () => {
    const state = fc.constantFrom<State>('healthy', 'unhealthy', 'notReporting');
    fc.assert(
      fc.property(fc.array(state, { maxLength: 12 }), (states) => {
        let snapshot: HealthSnapshot | undefined;
        let reported: 'healthy' | 'unhealthy' | 'unknown' = 'unknown';
        const ids = new Set<string>();
        states.forEach((s, i) => {
          const verdict = verdictAt(s, start + i * sweepMs);
          const change = healthTransition(snapshot, verdict);
          const expected =
            s !== 'notReporting' && s !== reported && !(reported === 'unknown' && s === 'healthy');
          expect(change !== undefined).toBe(expected);
          if (change) {
            expect(change.from).toBe(reported);
            expect(ids.has(change.eventId)).toBe(false);
            ids.add(change.eventId);
          }
          if (s !== 'notReporting') reported = s;
          snapshot = healthSnapshot(snapshot, verdict);
        });
      }),
      { seed: 14, numRuns: 150 },
    );
  });
});
