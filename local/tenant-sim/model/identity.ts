/**
 * The tenant-wide identity and Intune settings provisioning reads and writes: security defaults, conditional
 * access policies, the MDM authority, and Intune custom compliance scripts (`deviceComplianceScripts`, beta).
 * Bodies are kept as posted, minus server-owned properties, the way the Intune policies are.
 */
import { ModelError, notFound } from './errors';
import { type IdSpace } from './ids';

export type MdmAuthority = 'unknown' | 'intune' | 'sccm' | 'office365';

const serverOwned = new Set(['id', 'createdDateTime', 'modifiedDateTime', 'lastModifiedDateTime', 'version']);

export class StoredResource {
  constructor(
    private readonly ids: IdSpace,
    readonly ordinal: number,
    public body: Record<string, unknown>,
    readonly createdAt: number,
    public modifiedAt: number,
  ) {}

  get id(): string {
    return this.ids.guid(this.ordinal);
  }
}

/** A collection of posted resources with create, list, get, patch and delete. */
export class ResourceCollection {
  private readonly items: (StoredResource | undefined)[] = [];

  constructor(
    private readonly ids: IdSpace,
    private readonly what: string,
  ) {}

  create(body: Record<string, unknown>, now: number): StoredResource {
    const item = new StoredResource(this.ids, this.items.length, withoutServerOwned(body), now, now);
    this.items.push(item);
    return item;
  }

  all(): StoredResource[] {
    return this.items.filter((item): item is StoredResource => item !== undefined);
  }

  get(id: string): StoredResource {
    const ordinal = this.ids.ordinalOf(id);
    const item = ordinal === undefined ? undefined : this.items[ordinal];
    if (!item) throw notFound('ResourceNotFound', `${this.what} '${id}' was not found.`);
    return item;
  }

  update(item: StoredResource, changes: Record<string, unknown>, now: number): void {
    item.body = { ...item.body, ...withoutServerOwned(changes) };
    item.modifiedAt = now;
  }

  delete(item: StoredResource): void {
    this.items[item.ordinal] = undefined;
  }
}

export class IdentitySettings {
  /** Security defaults: a tenant created today has them on; the simulator starts with them off unless told. */
  securityDefaultsEnabled = false;
  mdmAuthority: MdmAuthority = 'intune';
  readonly conditionalAccess: ResourceCollection;
  readonly complianceScripts: ResourceCollection;

  constructor(ids: { conditionalAccess: IdSpace; complianceScripts: IdSpace }) {
    this.conditionalAccess = new ResourceCollection(ids.conditionalAccess, 'conditionalAccessPolicy');
    this.complianceScripts = new ResourceCollection(ids.complianceScripts, 'deviceComplianceScript');
  }
}

const caStates = new Set(['enabled', 'disabled', 'enabledForReportingButNotEnforced']);

/** What Entra ID refuses in a conditional access policy body (the part the simulator models). */
export function checkConditionalAccessBody(body: Record<string, unknown>, creating: boolean): void {
  if (creating && (typeof body.displayName !== 'string' || body.displayName === ''))
    throw new ModelError(400, 'BadRequest', "Invalid value specified for property 'displayName'.");
  if ((creating || 'state' in body) && !caStates.has(String(body.state)))
    throw new ModelError(400, 'BadRequest', "Invalid value specified for property 'state'.");
  if (creating) {
    const conditions = body.conditions as { users?: unknown; applications?: unknown } | undefined;
    if (!conditions?.users || !conditions.applications)
      throw new ModelError(
        400,
        'BadRequest',
        'A conditional access policy needs conditions.users and conditions.applications.',
      );
  }
}

function withoutServerOwned(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([name]) => !serverOwned.has(name)));
}

/** Changes the control API makes to a tenant the way an admin of the customer would (drift, readiness cases). */
export type TenantChange =
  | { kind: 'deletePolicy'; displayName: string }
  | { kind: 'changePolicy'; displayName: string; changes: Record<string, unknown> }
  | { kind: 'deleteGroup'; displayName: string }
  | { kind: 'removeGroupMember'; groupName: string; userPrincipalName: string }
  | { kind: 'assignForeignPolicy'; groupName: string; displayName: string }
  | { kind: 'setSecurityDefaults'; enabled: boolean }
  | { kind: 'setMdmAuthority'; authority: MdmAuthority }
  | { kind: 'addConditionalAccessPolicy'; body: Record<string, unknown> }
  | { kind: 'addUser'; userPrincipalName: string }
  | { kind: 'addGroup'; displayName: string };
