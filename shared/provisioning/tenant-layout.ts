import { tenantLayout } from '../domain/tenant-layout';
import { updateRings } from '../domain/tenant';
import { type ApiClient } from '../platform/graph/api-client';
import { odataString, segment } from '../platform/graph/odata';

interface Named {
  id: string;
  displayName: string;
}

async function findByName(
  graph: ApiClient,
  collection: string,
  displayName: string,
): Promise<Named | undefined> {
  const items = await graph.listAll<Named>(
    `${collection}?$filter=displayName eq ${odataString(displayName)}`,
  );
  return items.find((i) => i.displayName === displayName);
}

async function ensureGroup(graph: ApiClient, displayName: string): Promise<string> {
  const existing = await findByName(graph, '/v1.0/groups', displayName);
  if (existing) return existing.id;
  const mailNickname = displayName.replace(/[^A-Za-z0-9]/g, '').slice(0, 60);
  const { body } = await graph.post<Named>('/v1.0/groups', {
    displayName,
    description: 'Managed by Managed Desktop Security.',
    mailEnabled: false,
    mailNickname,
    securityEnabled: true,
  });
  return body.id;
}

/**
 * Desired state for what onboarding relies on in a customer tenant: the Autopilot device group, the standard-user
 * deployment profile assigned to it, and one group per update ring. Idempotent: run it again and it only fills gaps.
 * (It runs per tenant, once, before any onboarding, so concurrent runs do not race to create.)
 */
export async function ensureTenantLayout(
  graph: ApiClient,
): Promise<{ autopilotGroupId: string; profileId: string; ringGroupIds: Record<string, string> }> {
  const autopilotGroupId = await ensureGroup(graph, tenantLayout.autopilotDevicesGroup);
  const ringGroupIds: Record<string, string> = {};
  for (const ring of updateRings)
    ringGroupIds[ring] = await ensureGroup(graph, tenantLayout.ringGroups[ring]);

  const profiles = '/beta/deviceManagement/windowsAutopilotDeploymentProfiles';
  const profileId =
    (await findByName(graph, profiles, tenantLayout.standardUserProfile))?.id ??
    (
      await graph.post<Named>(profiles, {
        '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
        displayName: tenantLayout.standardUserProfile,
        description: 'Users are standard users, never local administrators.',
        deviceNameTemplate: 'MMD-%RAND:8%',
        outOfBoxExperienceSetting: {
          privacySettingsHidden: true,
          eulaHidden: true,
          userType: 'standard',
          deviceUsageType: 'singleUser',
          keyboardSelectionPageSkipped: true,
        },
      })
    ).body.id;

  const assignments = await graph.listAll<{ target?: { groupId?: string } }>(
    `${profiles}/${segment(profileId)}/assignments`,
  );
  if (!assignments.some((a) => a.target?.groupId === autopilotGroupId)) {
    await graph.post(`${profiles}/${segment(profileId)}/assignments`, {
      target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: autopilotGroupId },
    });
  }
  return { autopilotGroupId, profileId, ringGroupIds };
}
