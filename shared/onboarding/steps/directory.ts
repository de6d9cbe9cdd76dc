import { ConflictError } from '../../errors';
import { DependencyRejectedError } from '../../errors';
import { type ApiClient } from '../../platform/graph/api-client';
import { odataString, segment } from '../../platform/graph/odata';

/** A tenant-wide object that tenant provisioning should have made is missing: onboarding cannot go on. */
export class TenantNotProvisionedError extends ConflictError {
  constructor(what: string) {
    super(`The tenant is not provisioned: ${what} is missing.`);
  }
}

export async function findGroupId(graph: ApiClient, displayName: string): Promise<string> {
  const { body } = await graph.get<{ value: { id: string }[] }>(
    `/v1.0/groups?$filter=displayName eq ${odataString(displayName)}&$select=id,displayName`,
  );
  const group = body.value[0];
  if (!group) throw new TenantNotProvisionedError(`the group "${displayName}"`);
  return group.id;
}

/** Tenant-wide objects (the profile, the layout's groups) change only with tenant provisioning. */
const tenantWideTtlMs = 10 * 60_000;
const tenantWideCache = new WeakMap<ApiClient, Map<string, { at: number; value: Promise<unknown> }>>();

/**
 * A tenant-wide lookup shared by every activity of this worker for ten minutes, keyed by the tenant's Graph client:
 * a burst of onboardings looks the profile and groups up once, not once per device. A failed lookup is not kept.
 */
export function tenantWide<T>(
  graph: ApiClient,
  key: string,
  load: () => Promise<T>,
  now = Date.now(),
): Promise<T> {
  let entries = tenantWideCache.get(graph);
  if (!entries)
    tenantWideCache.set(graph, (entries = new Map<string, { at: number; value: Promise<unknown> }>()));
  const cached = entries.get(key);
  if (cached && now - cached.at < tenantWideTtlMs) return cached.value as Promise<T>;
  const value = load();
  const entry = { at: now, value };
  entries.set(key, entry);
  value.catch(() => {
    if (entries.get(key) === entry) entries.delete(key);
  });
  return value;
}

/** Graph takes at most 20 references in one `members@odata.bind`, and 15 values in one `in (...)` filter. */
const maxBind = 20;
const maxIn = 15;
/** How long an add waits for others to the same group before it is sent (real time; activities run side by side). */
const gatherMs = 25;

interface PendingAdd {
  azureADDeviceId: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const pendingAdds = new WeakMap<ApiClient, Map<string, PendingAdd[]>>();

/**
 * Adds a device (by its Entra device id, `azureADDeviceId`) to a group. Adds to one group that arrive together
 * (concurrent activities of a burst) are sent together: their directory objects looked up 15 at a time with
 * `in (...)`, their memberships added 20 at a time with `members@odata.bind`. Graph applies such a request whole
 * or not at all, so when it refuses one (a member already present after a retry, a device not yet in the
 * directory), each member of it is added on its own, as before, and each caller gets its own answer.
 */
export function addDeviceToGroup(graph: ApiClient, groupId: string, azureADDeviceId: string): Promise<void> {
  let groups = pendingAdds.get(graph);
  if (!groups) pendingAdds.set(graph, (groups = new Map<string, PendingAdd[]>()));
  const queue = groups.get(groupId);
  return new Promise<void>((resolve, reject) => {
    const add = { azureADDeviceId, resolve, reject };
    if (queue) {
      queue.push(add);
      return;
    }
    groups.set(groupId, [add]);
    setTimeout(() => {
      const batch = groups.get(groupId) ?? [];
      groups.delete(groupId);
      void flushAdds(graph, groupId, batch);
    }, gatherMs);
  });
}

async function flushAdds(graph: ApiClient, groupId: string, adds: PendingAdd[]): Promise<void> {
  for (let i = 0; i < adds.length; i += maxBind) {
    const chunk = adds.slice(i, i + maxBind);
    try {
      const objects = new Map<string, string>();
      for (let j = 0; j < chunk.length; j += maxIn) {
        const ids = [...new Set(chunk.slice(j, j + maxIn).map((a) => a.azureADDeviceId))];
        const { body } = await graph.get<{ value: { id: string; deviceId: string }[] }>(
          `/v1.0/devices?$filter=deviceId in (${ids.map(odataString).join(',')})&$select=id,deviceId`,
        );
        for (const d of body.value) objects.set(d.deviceId.toLowerCase(), d.id);
      }
      const missing = chunk.filter((a) => !objects.has(a.azureADDeviceId.toLowerCase()));
      for (const a of missing)
        a.reject(new TenantNotProvisionedError(`the directory object of device ${a.azureADDeviceId}`));
      const present = chunk.filter((a) => objects.has(a.azureADDeviceId.toLowerCase()));
      const refs = [...new Set(present.map((a) => objects.get(a.azureADDeviceId.toLowerCase())!))];
      if (refs.length === 0) continue;
      try {
        await graph.patch(
          `/v1.0/groups/${segment(groupId)}`,
          {
            'members@odata.bind': refs.map((id) => `https://graph.microsoft.com/v1.0/directoryObjects/${id}`),
          },
          { repeatable: false },
        );
        for (const a of present) a.resolve();
      } catch (error) {
        const refusedWhole =
          error instanceof DependencyRejectedError && [400, 404].includes(error.dependencyStatus);
        if (!refusedWhole) throw error;
        await Promise.all(
          present.map((a) =>
            addMemberByRef(graph, groupId, objects.get(a.azureADDeviceId.toLowerCase())!).then(
              a.resolve,
              a.reject,
            ),
          ),
        );
      }
    } catch (error) {
      for (const a of chunk) a.reject(error);
    }
  }
}

/** Graph refuses a member twice with 400 "One or more added object references already exist": for us, success. */
async function addMemberByRef(graph: ApiClient, groupId: string, directoryObjectId: string): Promise<void> {
  try {
    await graph.post(
      `/v1.0/groups/${segment(groupId)}/members/$ref`,
      { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${directoryObjectId}` },
      { repeatable: true },
    );
  } catch (error) {
    const alreadyMember =
      error instanceof DependencyRejectedError &&
      error.dependencyStatus === 400 &&
      /already exist/i.test(error.message);
    if (!alreadyMember) throw error;
  }
}
