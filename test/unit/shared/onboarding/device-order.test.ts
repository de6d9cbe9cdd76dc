import {
  deviceOrderSchema,
  maxInstanceIdLength,
  onboardingInstanceId,
  orderMessageId,
} from '../../../../shared/onboarding/device-order';
import { mayRestart } from '../../../../shared/onboarding/start-onboarding';
import { ValidationError } from '../../../../shared/errors';
import { parseOrThrow } from '../../../../shared/validation';

const device = (serialNumber: string) => ({
  serialNumber,
  hardwareHash: Buffer.from(`hash-of-${serialNumber}-0123456789`).toString('base64'),
  groupTag: 'MMD',
  assignedUserPrincipalName: 'alex@contoso.onmicrosoft.com',
});
const order = {
  tenantId: '6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab',
  orderId: 'PO-1',
  devices: [device('SN-1'), device('SN-2')],
};

describe('deviceOrderSchema', () => {
  it('accepts a well-formed order', () => {
    const parsed = parseOrThrow(deviceOrderSchema, order, 'device order');
    expect(parsed.devices).toHaveLength(2);
  });

  it('lists every bad field at once', () => {
    const bad = {
      tenantId: 'not-a-guid',
      orderId: '',
      devices: [
        { ...device('SN 1'), hardwareHash: 'not base64!', assignedUserPrincipalName: 'alex' },
        device('SN-2'),
      ],
    };
    let error: unknown;
    try {
      parseOrThrow(deviceOrderSchema, bad, 'device order');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.field).sort()).toEqual(
      [
        'devices.0.assignedUserPrincipalName',
        'devices.0.hardwareHash',
        'devices.0.serialNumber',
        'orderId',
        'tenantId',
      ].sort(),
    );
  });

  it('refuses empty orders, more than 500 devices and a serial number twice', () => {
    expect(deviceOrderSchema.safeParse({ ...order, devices: [] }).success).toBe(false);
    expect(
      deviceOrderSchema.safeParse({
        ...order,
        devices: Array.from({ length: 501 }, (_, i) => device(`SN-${i}`)),
      }).success,
    ).toBe(false);
    const dup = deviceOrderSchema.safeParse({ ...order, devices: [device('SN-1'), device('sn-1')] });
    expect(dup.success).toBe(false);
    expect(dup.error?.issues[0]?.path).toEqual(['devices', 1, 'serialNumber']);
  });
});

describe('onboardingInstanceId', () => {
  it('is the same for every delivery of a device, whatever the case', () => {
    expect(onboardingInstanceId('6F1C2D3E-4A5B-4C6D-8E7F-0123456789AB', 'sn-1')).toBe(
      onboardingInstanceId(order.tenantId, 'SN-1'),
    );
  });
});

describe('bounds of what downstream systems accept', () => {
  const fieldsOf = (value: unknown) =>
    (deviceOrderSchema.safeParse(value).error?.issues ?? []).map((i) => i.path.join('.'));

  it('refuses serial numbers that can never be an instance id or a Cosmos id', () => {
    for (const serial of ['SN/1', 'SN\\1', 'SN#1', 'SN?1', 'SN 1', 'x'.repeat(129)])
      expect({ serial, fields: fieldsOf({ ...order, devices: [device(serial)] }) }).toEqual({
        serial,
        fields: ['devices.0.serialNumber'],
      });
  });

  it('keeps normal ids readable and hashes long serials into an instance id Durable accepts', () => {
    expect(onboardingInstanceId(order.tenantId, 'sn-1')).toBe(`onboard:${order.tenantId}:SN-1`);
    const long = 'A'.repeat(84);
    const longer = `${'A'.repeat(127)}B`;
    const ids = [long, longer, 'x'.repeat(128)].map((s) => onboardingInstanceId(order.tenantId, s));
    for (const id of ids) {
      expect(id.length).toBeLessThanOrEqual(maxInstanceIdLength);
      expect(id).not.toMatch(/[/\\#?]/);
    }
    expect(new Set(ids).size).toBe(3);
    expect(onboardingInstanceId(order.tenantId, longer.toLowerCase())).toBe(ids[1]);
    for (const id of ids)
      expect(orderMessageId(id, 'autopilot', 'd'.repeat(128)).length).toBeLessThanOrEqual(128);
  });

  it('gives each delivery of a device its own message id, and the same id to a repeated send', () => {
    const id = onboardingInstanceId(order.tenantId, 'SN-1');
    expect(orderMessageId(id, 'autopilot', 'delivery-1')).toBe(orderMessageId(id, 'autopilot', 'DELIVERY-1'));
    expect(orderMessageId(id, 'autopilot', 'delivery-1')).not.toBe(
      orderMessageId(id, 'autopilot', 'delivery-2'),
    );
  });

  it('refuses user principal names longer than Entra accepts', () => {
    const upn = (local: number, domain: number) => `${'a'.repeat(local)}@${'d'.repeat(domain - 4)}.com`;
    const withUpn = (u: string) => ({
      ...order,
      devices: [{ ...device('SN-1'), assignedUserPrincipalName: u }],
    });
    expect(fieldsOf(withUpn(upn(64, 48)))).toEqual([]);
    expect(fieldsOf(withUpn(upn(65, 30)))).toEqual(['devices.0.assignedUserPrincipalName']);
    expect(fieldsOf(withUpn(upn(40, 49)))).toEqual(['devices.0.assignedUserPrincipalName']);
    expect(fieldsOf(withUpn(`${'a'.repeat(200)}@contoso.com`))).toEqual([
      'devices.0.assignedUserPrincipalName',
    ]);
  });

  it('refuses control characters in order ids and group tags, and lower-cases the tenant id', () => {
    for (const orderId of ['PO-1\r\nForged log line', 'PO\u0000', 'PO\u001b[31m'])
      expect(fieldsOf({ ...order, orderId })).toEqual(['orderId']);
    expect(fieldsOf({ ...order, devices: [{ ...device('SN-1'), groupTag: 'MMD\nx' }] })).toEqual([
      'devices.0.groupTag',
    ]);
    const parsed = deviceOrderSchema.parse({ ...order, tenantId: order.tenantId.toUpperCase() });
    expect(parsed.tenantId).toBe(order.tenantId);
  });
});

describe('mayRestart', () => {
  it('restarts only a run that failed for a transient reason', () => {
    const completed = (output: unknown) => ({ runtimeStatus: 'Completed', output }) as never;
    expect(mayRestart(completed({ status: 'failed', reason: 'unexpectedError', detail: '' }))).toBe(true);
    expect(mayRestart({ runtimeStatus: 'Failed', output: null } as never)).toBe(true);
    expect(mayRestart(completed({ status: 'failed', reason: 'noLicenceSeats', detail: '' }))).toBe(false);
    expect(mayRestart(completed({ status: 'onboarded' }))).toBe(false);
    for (const runtimeStatus of ['Running', 'Pending', 'Terminated'])
      expect(mayRestart({ runtimeStatus, output: null } as never)).toBe(false);
  });
});
