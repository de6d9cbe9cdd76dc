import { randomBytes } from 'node:crypto';
import type { Clock } from '@mds/platform-kit';
import { KeyVaultError, badParameter, deletedSecretNotFound, secretNotFound } from './errors';

/** One version of a secret. Times are epoch seconds, as Key Vault puts them on the wire. */
export interface SecretVersion {
  /** The name as first set; Key Vault names are case-insensitive but keep their casing. */
  name: string;
  /** 32 lower-case hex digits. */
  version: string;
  /** Creation order within the vault; list paging resumes after it. */
  seq: number;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  enabled: boolean;
  notBefore?: number;
  expires?: number;
  created: number;
  updated: number;
}

export interface DeletedSecret {
  latest: SecretVersion;
  deletedDate: number;
  scheduledPurgeDate: number;
}

export interface SecretInput {
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  enabled?: boolean;
  notBefore?: number;
  expires?: number;
}

export type SecretPatch = Omit<Partial<SecretInput>, 'value'>;

interface StoredSecret {
  /** Oldest first; the last one is the current version. */
  versions: SecretVersion[];
}

interface DeletedEntry {
  secret: StoredSecret;
  deletedDate: number;
  scheduledPurgeDate: number;
  cancelPurge: () => void;
}

const namePattern = /^[0-9a-zA-Z-]{1,127}$/;
// Key Vault refuses secret values above 25 KiB.
const maxValueBytes = 25 * 1024;

/**
 * The vault's state and rules: versions, soft delete with a retention period that the clock enforces,
 * recovery and purge. A name is either live or deleted, never both.
 */
export class SecretStore {
  private readonly live = new Map<string, StoredSecret>();
  private readonly deleted = new Map<string, DeletedEntry>();
  private seq = 0;

  constructor(
    private readonly clock: Clock,
    readonly recoverableDays: number,
  ) {}

  set(name: string, input: SecretInput): SecretVersion {
    const key = keyOf(name);
    if (Buffer.byteLength(input.value, 'utf8') > maxValueBytes) {
      throw badParameter(`The secret value exceeds the maximum size of ${maxValueBytes} bytes.`);
    }
    if (this.deleted.has(key)) {
      throw new KeyVaultError(
        409,
        'Conflict',
        `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
        'ObjectIsDeletedButRecoverable',
      );
    }
    const now = this.nowSeconds();
    const existing = this.live.get(key);
    const created: SecretVersion = {
      name: existing?.versions[0]?.name ?? name,
      version: randomBytes(16).toString('hex'),
      seq: this.seq++,
      value: input.value,
      enabled: input.enabled ?? true,
      created: now,
      updated: now,
      ...definedOnly({
        contentType: input.contentType,
        tags: input.tags,
        notBefore: input.notBefore,
        expires: input.expires,
      }),
    };
    if (existing) existing.versions.push(created);
    else this.live.set(key, { versions: [created] });
    return created;
  }

  /** A version's value; `version` undefined or empty means the current one. Disabled versions are not readable. */
  get(name: string, version?: string): SecretVersion {
    const found = this.find(name, version);
    if (!found.enabled) {
      throw new KeyVaultError(
        403,
        'Forbidden',
        'Operation get is not allowed on a disabled secret.',
        'SecretDisabled',
      );
    }
    return found;
  }

  update(name: string, version: string | undefined, patch: SecretPatch): SecretVersion {
    const found = this.find(name, version);
    Object.assign(found, definedOnly(patch), { updated: this.nowSeconds() });
    return found;
  }

  /** The current version of every live secret, in name order. */
  currentVersions(): SecretVersion[] {
    return [...this.live.entries()].sort(([a], [b]) => compare(a, b)).map(([, secret]) => current(secret));
  }

  /** Every version of a live secret, oldest first; none for an unknown name (as Key Vault answers). */
  versionsOf(name: string): SecretVersion[] {
    return [...(this.live.get(keyOf(name))?.versions ?? [])];
  }

  delete(name: string): DeletedSecret {
    const key = keyOf(name);
    const secret = this.live.get(key);
    if (!secret) throw secretNotFound(name);
    this.live.delete(key);
    const deletedDate = this.nowSeconds();
    const scheduledPurgeDate = deletedDate + this.recoverableDays * 24 * 3600;
    // The service purges by itself once the retention period is over.
    const cancelPurge = this.clock.schedule(scheduledPurgeDate * 1000, () => this.deleted.delete(key));
    const entry: DeletedEntry = { secret, deletedDate, scheduledPurgeDate, cancelPurge };
    this.deleted.set(key, entry);
    return toDeleted(entry);
  }

  getDeleted(name: string): DeletedSecret {
    return toDeleted(this.findDeleted(name));
  }

  /** Every deleted secret, in name order. */
  listDeleted(): DeletedSecret[] {
    return [...this.deleted.entries()].sort(([a], [b]) => compare(a, b)).map(([, entry]) => toDeleted(entry));
  }

  purge(name: string): void {
    const entry = this.findDeleted(name);
    entry.cancelPurge();
    this.deleted.delete(keyOf(name));
  }

  recover(name: string): SecretVersion {
    const entry = this.findDeleted(name);
    entry.cancelPurge();
    const key = keyOf(name);
    this.deleted.delete(key);
    this.live.set(key, entry.secret);
    return current(entry.secret);
  }

  /** Cancels the scheduled purges so that a stopped vault leaves nothing on the clock. */
  close(): void {
    for (const entry of this.deleted.values()) entry.cancelPurge();
  }

  private find(name: string, version: string | undefined): SecretVersion {
    const secret = this.live.get(keyOf(name));
    if (!secret) throw secretNotFound(name);
    if (!version) return current(secret);
    const wanted = version.toLowerCase();
    const found = secret.versions.find((v) => v.version === wanted);
    if (!found) throw secretNotFound(`${name}/${version}`);
    return found;
  }

  private findDeleted(name: string): DeletedEntry {
    const entry = this.deleted.get(keyOf(name));
    if (!entry) throw deletedSecretNotFound(name);
    return entry;
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }
}

/** Validates a secret name and gives its case-insensitive key. */
function keyOf(name: string): string {
  if (!namePattern.test(name)) throw badParameter(`The request URI contains an invalid name: ${name}`);
  return name.toLowerCase();
}

function current(secret: StoredSecret): SecretVersion {
  const last = secret.versions[secret.versions.length - 1];
  if (!last) throw new Error('a stored secret always has a version');
  return last;
}

function toDeleted(entry: DeletedEntry): DeletedSecret {
  return {
    latest: current(entry.secret),
    deletedDate: entry.deletedDate,
    scheduledPurgeDate: entry.scheduledPurgeDate,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}
