/**
 * Entra ID's side of a tenant: users, groups (with users and devices as members) and licences. Messages of
 * refusals are the ones Entra ID writes.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { e5Sku } from './catalog';
import { type SimDevice } from './device';
import { type ModelError, badRequest, notFound } from './errors';
import { type IdSpace } from './ids';

export interface AssignedLicense {
  skuId: string;
  disabledPlans: readonly string[];
}

const noLicenses: readonly AssignedLicense[] = Object.freeze([]);

export class SimUser {
  /** A salted hash of the password, never the password itself; undefined: the user cannot sign in with one. */
  private passwordHash: { salt: Buffer; hash: Buffer } | undefined;
  /** When the password was last set (Graph's `lastPasswordChangeDateTime`); null before the first. */
  lastPasswordChangeAt: number | null = null;

  constructor(
    private readonly ids: IdSpace,
    readonly ordinal: number,
    public userPrincipalName: string,
    public displayName: string,
    public givenName: string | null,
    public surname: string | null,
    public jobTitle: string | null,
    public usageLocation: string | null,
    public assignedLicenses: readonly AssignedLicense[],
    readonly createdAt: number,
    public accountEnabled: boolean,
  ) {}

  get id(): string {
    return this.ids.guid(this.ordinal);
  }

  holds(skuId: string): boolean {
    return this.assignedLicenses.some((licence) => licence.skuId === skuId);
  }

  setPassword(password: string, at: number): void {
    const salt = randomBytes(16);
    this.passwordHash = { salt, hash: hashPassword(salt, password) };
    this.lastPasswordChangeAt = at;
  }

  /** Whether `password` is the user's current password (what the password grant checks). */
  passwordMatches(password: string): boolean {
    if (!this.passwordHash) return false;
    return timingSafeEqual(this.passwordHash.hash, hashPassword(this.passwordHash.salt, password));
  }
}

function hashPassword(salt: Buffer, password: string): Buffer {
  return createHash('sha256').update(salt).update(password, 'utf8').digest();
}

/**
 * Entra ID's default password policy for cloud users: 8 to 256 characters, at least three of lower case, upper
 * case, digits and symbols. Answers the message Graph gives when a password does not comply, or undefined.
 */
export function passwordComplexityProblem(password: string): string | undefined {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((pattern) =>
    pattern.test(password),
  ).length;
  if (password.length >= 8 && password.length <= 256 && classes >= 3) return undefined;
  return 'The specified password does not comply with password complexity requirements. Please provide a different password.';
}

export type DirectoryMember = SimUser | SimDevice;

export interface GroupInput {
  displayName: string;
  description: string | null;
  mailNickname: string;
  mailEnabled: boolean;
  securityEnabled: boolean;
  groupTypes: readonly string[];
}

export class SimGroup {
  readonly members = new Set<DirectoryMember>();

  constructor(
    private readonly ids: IdSpace,
    readonly ordinal: number,
    public settings: GroupInput,
    readonly createdAt: number,
  ) {}

  get id(): string {
    return this.ids.guid(this.ordinal);
  }
}

export interface SubscribedSku {
  skuId: string;
  skuPartNumber: string;
  servicePlans: readonly { servicePlanId: string; servicePlanName: string }[];
  enabled: number;
  consumed: number;
}

export interface NewUser {
  userPrincipalName: string;
  displayName: string;
  givenName?: string | null;
  surname?: string | null;
  jobTitle?: string | null;
  usageLocation?: string | null;
  accountEnabled: boolean;
}

const resourceMissing = (id: string): ModelError =>
  notFound(
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );

export class Directory {
  private readonly users: (SimUser | undefined)[] = [];
  private readonly usersByUpn = new Map<string, SimUser>();
  private readonly groups: (SimGroup | undefined)[] = [];
  private readonly licenceSets = new Map<string, readonly AssignedLicense[]>();
  readonly skus: SubscribedSku[];

  constructor(
    readonly domain: string,
    private readonly userIds: IdSpace,
    private readonly groupIds: IdSpace,
    e5Seats: number,
    /** Finds an Entra device object by its object id (devices live in the fleet). */
    private readonly deviceByObjectId: (id: string) => SimDevice | undefined,
  ) {
    this.skus = [{ ...e5Sku, enabled: e5Seats, consumed: 0 }];
  }

  addUser(input: NewUser, createdAt: number): SimUser {
    const key = input.userPrincipalName.toLowerCase();
    if (this.usersByUpn.has(key)) {
      throw badRequest(
        'Request_BadRequest',
        'Another object with the same value for property userPrincipalName already exists.',
      );
    }
    const domain = key.split('@')[1];
    if (domain !== this.domain.toLowerCase()) {
      throw badRequest(
        'Request_BadRequest',
        'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.',
      );
    }
    const user = new SimUser(
      this.userIds,
      this.users.length,
      input.userPrincipalName,
      input.displayName,
      input.givenName ?? null,
      input.surname ?? null,
      input.jobTitle ?? null,
      input.usageLocation ?? null,
      noLicenses,
      createdAt,
      input.accountEnabled,
    );
    this.users.push(user);
    this.usersByUpn.set(key, user);
    return user;
  }

  /** By object id or userPrincipalName, as `/users/{id | userPrincipalName}` resolves. */
  user(idOrUpn: string): SimUser | undefined {
    if (idOrUpn.includes('@')) return this.usersByUpn.get(idOrUpn.toLowerCase());
    const ordinal = this.userIds.ordinalOf(idOrUpn);
    return ordinal === undefined ? undefined : this.users[ordinal];
  }

  requireUser(idOrUpn: string): SimUser {
    const user = this.user(idOrUpn);
    if (!user) throw resourceMissing(idOrUpn);
    return user;
  }

  allUsers(): SimUser[] {
    return this.users.filter((user): user is SimUser => user !== undefined);
  }

  setUsageLocation(user: SimUser, usageLocation: string | null): void {
    if (usageLocation !== null && !/^[A-Z]{2}$/.test(usageLocation)) {
      throw badRequest(
        'Request_BadRequest',
        "Invalid value specified for property 'usageLocation' of resource 'User'.",
      );
    }
    user.usageLocation = usageLocation;
  }

  sku(skuId: string): SubscribedSku | undefined {
    return this.skus.find((sku) => sku.skuId === skuId.toLowerCase());
  }

  /**
   * `assignLicense`: all-or-nothing. Adding a licence the user holds only updates its disabled plans, so a
   * retried call succeeds; a seat is taken only for a licence the user did not hold.
   */
  assignLicenses(user: SimUser, add: readonly AssignedLicense[], remove: readonly string[]): void {
    for (const licence of add) {
      if (!this.sku(licence.skuId)) {
        throw badRequest(
          'Request_BadRequest',
          `License ${licence.skuId} does not correspond to a valid company License.`,
        );
      }
    }
    for (const skuId of remove) {
      if (!this.sku(skuId))
        throw badRequest(
          'Request_BadRequest',
          `License ${skuId} does not correspond to a valid company License.`,
        );
      if (!user.holds(skuId.toLowerCase()))
        throw badRequest('Request_BadRequest', 'User does not have a corresponding license.');
    }
    if (add.length > 0 && !user.usageLocation) {
      throw badRequest(
        'Request_BadRequest',
        'License assignment cannot be done for user with invalid usage location.',
      );
    }
    const removing = new Set(remove.map((skuId) => skuId.toLowerCase()));
    for (const licence of add) {
      const sku = this.sku(licence.skuId) as SubscribedSku;
      if (!user.holds(sku.skuId) && !removing.has(sku.skuId) && sku.consumed >= sku.enabled) {
        throw badRequest(
          'Request_BadRequest',
          `Subscription with SKU ${sku.skuId} does not have any available licenses.`,
        );
      }
    }
    const kept = user.assignedLicenses.filter((licence) => !removing.has(licence.skuId));
    for (const skuId of removing) (this.sku(skuId) as SubscribedSku).consumed--;
    for (const licence of add) {
      const skuId = licence.skuId.toLowerCase();
      const existing = kept.findIndex((held) => held.skuId === skuId);
      const entry = { skuId, disabledPlans: [...licence.disabledPlans] };
      if (existing >= 0) kept[existing] = entry;
      else {
        kept.push(entry);
        (this.sku(skuId) as SubscribedSku).consumed++;
      }
    }
    user.assignedLicenses = this.intern(kept);
  }

  /** Users share one frozen list per distinct set of licences: 100,000 licensed users hold one array between them. */
  private intern(licences: AssignedLicense[]): readonly AssignedLicense[] {
    const key = licences.map((licence) => `${licence.skuId}:${licence.disabledPlans.join(',')}`).join('|');
    let shared = this.licenceSets.get(key);
    if (!shared) {
      shared = Object.freeze(
        licences.map((licence) =>
          Object.freeze({ skuId: licence.skuId, disabledPlans: Object.freeze([...licence.disabledPlans]) }),
        ),
      );
      this.licenceSets.set(key, shared);
    }
    return shared;
  }

  addGroup(input: GroupInput, createdAt: number): SimGroup {
    const group = new SimGroup(this.groupIds, this.groups.length, input, createdAt);
    this.groups.push(group);
    return group;
  }

  group(id: string): SimGroup | undefined {
    const ordinal = this.groupIds.ordinalOf(id);
    return ordinal === undefined ? undefined : this.groups[ordinal];
  }

  requireGroup(id: string): SimGroup {
    const group = this.group(id);
    if (!group) throw resourceMissing(id);
    return group;
  }

  allGroups(): SimGroup[] {
    return this.groups.filter((group): group is SimGroup => group !== undefined);
  }

  deleteGroup(group: SimGroup): void {
    this.groups[group.ordinal] = undefined;
  }

  /** A user or an Entra device object, by object id. */
  directoryObject(id: string): DirectoryMember | undefined {
    return this.user(id) ?? this.deviceByObjectId(id);
  }

  addMember(group: SimGroup, memberId: string): void {
    const member = this.directoryObject(memberId);
    if (!member) throw resourceMissing(memberId);
    if (group.members.has(member)) {
      throw badRequest(
        'Request_BadRequest',
        "One or more added object references already exist for the following modified properties: 'members'.",
      );
    }
    group.members.add(member);
  }

  removeMember(group: SimGroup, memberId: string): void {
    const member = this.directoryObject(memberId);
    if (!member || !group.members.delete(member)) throw resourceMissing(memberId);
  }

  /** Groups with `member` as a direct member (the simulator has no nested groups). */
  groupsOf(member: DirectoryMember): SimGroup[] {
    return this.allGroups().filter((group) => group.members.has(member));
  }
}
