import { randomBytes } from 'node:crypto';
import { type AuditEvent, personalData } from '../../../../shared/audit/contract';
import { auditEventSchema } from '../../../../shared/audit/event-schema';
import { keyedHash, keyedHashPrefix, projectFor } from '../../../../shared/audit/projection';

const operatorKey = randomBytes(32);
const customerKey = randomBytes(32);

const event: AuditEvent = {
  id: 'tenant.suspend:req-1',
  action: 'tenant.suspend',
  actor: { kind: 'operator', oid: 'oid-1', displayName: 'Olga Operator' },
  tenantId: 'tenant-1',
  target: {
    type: 'device',
    id: 'SERIAL-1',
    customerPersonal: {
      userPrincipalName: 'Cora.Customer@contoso.example',
      userDisplayName: 'Cora',
      deviceName: 'PC-1',
    },
  },
  outcome: 'succeeded',
  reason: 'ticket 42',
  correlation: { invocationId: 'inv-1' },
  time: '2026-01-01T00:00:00.000Z',
};

describe('sink projections', () => {
  it('operator sink: operators in clear, every customer personal field keyed', () => {
    const projected = projectFor('operator', event, operatorKey) as any;
    expect(projected.actor).toEqual(event.actor);
    for (const [field, value] of Object.entries(projected.target.customerPersonal))
      expect(value).toBe(
        keyedHash(
          operatorKey,
          ['target', 'customerPersonal', field],
          (event.target.customerPersonal as any)[field],
        ),
      );
    expect(JSON.stringify(projected)).not.toMatch(/cora|PC-1/i);
    expect({ ...projected, target: { ...projected.target, customerPersonal: undefined } }).toEqual({
      ...event,
      target: { ...event.target, customerPersonal: undefined },
    });
  });

  it('customer sink: customers in clear, the operator as a keyed alias without a name', () => {
    const projected = projectFor('customer', event, customerKey) as any;
    expect(projected.target).toEqual(event.target);
    expect(projected.actor).toEqual({
      kind: 'operator',
      oid: keyedHash(customerKey, ['actor', 'oid'], 'oid-1'),
    });
    expect(JSON.stringify(projected)).not.toMatch(/olga|oid-1/i);
  });

  it('keyed values are stable per person and key, case-insensitive, and differ between the two keys', () => {
    const a = keyedHash(
      operatorKey,
      ['target', 'customerPersonal', 'userPrincipalName'],
      'cora.customer@contoso.example',
    );
    expect(a.startsWith(keyedHashPrefix)).toBe(true);
    expect(
      keyedHash(
        operatorKey,
        ['target', 'customerPersonal', 'userPrincipalName'],
        'CORA.customer@Contoso.example',
      ),
    ).toBe(a);
    expect(
      keyedHash(
        customerKey,
        ['target', 'customerPersonal', 'userPrincipalName'],
        'cora.customer@contoso.example',
      ),
    ).not.toBe(a);
  });

  it('a service actor is no one’s personal data: both sinks keep it', () => {
    const service: AuditEvent = {
      ...event,
      actor: { kind: 'service', functionName: 'remediateDefender', instanceId: 'i-1' },
    };
    expect((projectFor('customer', service, customerKey) as any).actor).toEqual(service.actor);
  });

  it('every personal field the declaration names is one the event schema knows', () => {
    expect(personalData.operator.map((f) => f.path.join('.'))).toEqual(['actor.oid', 'actor.displayName']);
    expect(personalData.customer.map((f) => f.path.join('.'))).toEqual(['target.customerPersonal.*']);
  });
});

describe('audit event schema', () => {
  it('accepts the contract', () => {
    expect(auditEventSchema.parse(event)).toEqual(event);
  });

  it('refuses a field the contract does not declare, so nothing travels unprojected', () => {
    const extra = { ...event, target: { ...event.target, upn: 'cora@contoso.example' } };
    expect(auditEventSchema.safeParse(extra).success).toBe(false);
    expect(auditEventSchema.safeParse({ ...event, note: 'x' }).success).toBe(false);
  });

  it('refuses what looks like a UPN outside the personal fields', () => {
    expect(
      auditEventSchema.safeParse({ ...event, target: { type: 'user', id: 'cora@contoso.example' } }).success,
    ).toBe(false);
    expect(auditEventSchema.safeParse({ ...event, reason: 'asked by cora@contoso.example' }).success).toBe(
      false,
    );
  });

  it('refuses an action that is not declared and an id that cannot be a document id', () => {
    expect(auditEventSchema.safeParse({ ...event, action: 'tenant.delete' }).success).toBe(false);
    expect(auditEventSchema.safeParse({ ...event, id: 'a/b' }).success).toBe(false);
  });
});
