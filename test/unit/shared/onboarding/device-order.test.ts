import { deviceOrderSchema, onboardingInstanceId } from '../../../../shared/onboarding/device-order';
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
