import { DependencyRejectedError } from '../../errors';
import { type ApiClient } from '../../platform/graph/api-client';
import { ResourceNotFoundError } from '../../platform/graph/api-errors';
import { segment } from '../../platform/graph/odata';
import { type LicenceResult } from '../contract';

/** Microsoft 365 E5 (SPE_E5). */
export const e5SkuId = '06ebc4ee-1bb5-47dd-8120-11324bc54e06';

interface GraphUser {
  id: string;
  usageLocation?: string | null;
  assignedLicenses?: { skuId: string }[];
}

interface SubscribedSku {
  skuId: string;
  consumedUnits: number;
  prepaidUnits: { enabled: number };
}

/**
 * Makes sure the device's user holds an E5 licence. Reads first, so that a retry or replay never assigns twice, and
 * checks the seats before assigning, so that "no seats" is an outcome with the numbers rather than a Graph error.
 */
export async function ensureE5Licence(
  graph: ApiClient,
  userPrincipalName: string,
  defaultUsageLocation: string,
): Promise<LicenceResult> {
  let user: GraphUser;
  try {
    user = (
      await graph.get<GraphUser>(
        `/v1.0/users/${segment(userPrincipalName)}?$select=id,usageLocation,assignedLicenses`,
      )
    ).body;
  } catch (error) {
    if (error instanceof ResourceNotFoundError) return { kind: 'userNotFound' };
    throw error;
  }
  if (user.assignedLicenses?.some((l) => l.skuId === e5SkuId)) return { kind: 'alreadyLicensed' };

  const skus = await graph.get<{ value: SubscribedSku[] }>('/v1.0/subscribedSkus');
  const e5 = skus.body.value.find((s) => s.skuId === e5SkuId);
  const enabled = e5?.prepaidUnits.enabled ?? 0;
  const consumed = e5?.consumedUnits ?? 0;
  if (consumed >= enabled) return { kind: 'noSeats', enabled, consumed };

  // Graph refuses a licence to a user without a usage location (licences are country-bound).
  if (!user.usageLocation)
    await graph.patch(`/v1.0/users/${segment(user.id)}`, { usageLocation: defaultUsageLocation });
  try {
    await graph.post(`/v1.0/users/${segment(user.id)}/assignLicense`, {
      addLicenses: [{ skuId: e5SkuId, disabledPlans: [] }],
      removeLicenses: [],
    });
  } catch (error) {
    // Another assignment may have taken the last seat between our read and our write.
    if (
      error instanceof DependencyRejectedError &&
      /licen[cs]es? (?:available|remaining)|available licen/i.test(error.message)
    ) {
      return { kind: 'noSeats', enabled, consumed: enabled };
    }
    throw error;
  }
  return { kind: 'assigned' };
}
