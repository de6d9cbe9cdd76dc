import { InvocationContext } from '@azure/functions';
import { type TenantRecord } from '../../../../shared/domain/tenant';
import { ForbiddenError } from '../../../../shared/errors';
import { requireActive } from '../../../../shared/tenants/store';
import { onboardingImplementations, type OnboardingServices } from '../../../../shared/onboarding/activities';

const suspended: TenantRecord = {
  id: 'tenant-s',
  displayName: 'Suspended',
  status: 'suspended',
  updateRings: { test: 5, first: 15, fast: 30, broad: 50 },
  defaultUsageLocation: 'US',
  secretNames: { graphClientId: 'id', graphClientSecret: 'secret' },
};

describe('onboarding activities', () => {
  it('make no change in a tenant once it is suspended', async () => {
    let clientsRequested = 0;
    const services = {
      tenants: { active: (id: string) => Promise.resolve(requireActive(id, suspended)) },
      tenantApis: () => {
        clientsRequested++;
        return Promise.reject(new Error('no client should be built'));
      },
    } as unknown as OnboardingServices;
    const activities = onboardingImplementations(services);
    const context = new InvocationContext({ functionName: 'ensureE5Licence' });
    await expect(
      activities.ensureE5Licence({ tenantId: 'tenant-s', userPrincipalName: 'a@b.c' }, context),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect(clientsRequested).toBe(0);
  });
});
