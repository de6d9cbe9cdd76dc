import { type UpdateRing } from './tenant';

/**
 * The objects tenant provisioning creates in every customer tenant, found again by these names. Onboarding only
 * reads them and adds one device at a time, so concurrent onboardings never race to create tenant-wide objects.
 */
export const tenantLayout = {
  autopilotDevicesGroup: 'Managed Desktop - Autopilot devices',
  standardUserProfile: 'Managed Desktop - Standard user',
  ringGroups: {
    test: 'Managed Desktop - Update ring Test',
    first: 'Managed Desktop - Update ring First',
    fast: 'Managed Desktop - Update ring Fast',
    broad: 'Managed Desktop - Update ring Broad',
  } satisfies Record<UpdateRing, string>,
} as const;
