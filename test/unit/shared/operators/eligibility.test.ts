import { deviceHealth } from '../../../../shared/domain/device-health';
import {
  ineligibility,
  inScope,
  type OperatorRecord,
  operatorUpdateSchema,
} from '../../../../shared/operators/operator-record';

const record: OperatorRecord = {
  id: '22222222-2222-4222-8222-222222222222',
  displayName: 'Op',
  country: 'US',
  backgroundCheckExpiresOn: '2026-06-30',
  tenants: ['AAAAAAAA-1111-4111-8111-111111111111'],
  enabled: true,
  updatedAt: '2026-01-01T00:00:00.000Z',
  updatedBy: 'seed',
};

describe('operator eligibility', () => {
  const june30 = new Date('2026-06-30T23:59:00Z');
  const july1 = new Date('2026-07-01T00:00:00Z');

  it('holds through the last day of the background check, and lists every reason once it does not', () => {
    expect(ineligibility(record, june30)).toEqual([]);
    expect(ineligibility(record, july1)).toEqual(['backgroundCheckLapsed']);
    expect(ineligibility({ ...record, enabled: false, country: 'MX' }, july1)).toEqual([
      'disabled',
      'outsideUnitedStates',
      'backgroundCheckLapsed',
    ]);
    expect(ineligibility(undefined, june30)).toEqual(['notRegistered']);
  });

  it('compares tenant ids case-insensitively, and `all` covers every tenant', () => {
    expect(inScope(record.tenants, 'aaaaaaaa-1111-4111-8111-111111111111')).toBe(true);
    expect(inScope(record.tenants, 'bbbbbbbb-1111-4111-8111-111111111111')).toBe(false);
    expect(inScope('all', 'bbbbbbbb-1111-4111-8111-111111111111')).toBe(true);
  });

  it('validates registry updates: real countries, real dates, no tenant twice', () => {
    const valid = {
      displayName: 'Op',
      country: 'US',
      backgroundCheckExpiresOn: '2027-02-28',
      tenants: 'all',
      enabled: true,
    };
    expect(operatorUpdateSchema.safeParse(valid).success).toBe(true);
    for (const change of [
      { country: 'us' },
      { country: 'XX' },
      { country: ' ' },
      { backgroundCheckExpiresOn: '2027-02-30' },
      { backgroundCheckExpiresOn: '2199-01-01' },
      { tenants: ['aaaaaaaa-1111-4111-8111-111111111111', 'AAAAAAAA-1111-4111-8111-111111111111'] },
      { tenants: 'some' },
      { extra: true },
    ])
      expect(operatorUpdateSchema.safeParse({ ...valid, ...change }).success).toBe(false);
  });
});

describe('device health', () => {
  const good = {
    encryption: { encrypted: true, recoveryKeyEscrowed: true },
    defender: { onboarded: true, active: true, signaturesCurrent: true },
  };
  it('is healthy only with BitLocker escrowed and Defender current, unknown when not observed', () => {
    expect(deviceHealth(good)).toBe('healthy');
    expect(deviceHealth({})).toBe('unknown');
    expect(deviceHealth({ encryption: good.encryption })).toBe('unknown');
    expect(deviceHealth({ ...good, defender: { ...good.defender, signaturesCurrent: false } })).toBe(
      'unhealthy',
    );
    expect(deviceHealth({ encryption: { encrypted: false, recoveryKeyEscrowed: false } })).toBe('unhealthy');
  });
});
