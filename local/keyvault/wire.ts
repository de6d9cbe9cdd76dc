import type { DeletedSecret, SecretVersion } from './secret-store';

/** Key Vault's JSON shapes for secrets, built from the store's records. `base` is `https://host:port`. */

function attributes(v: SecretVersion, recoverableDays: number): Record<string, unknown> {
  return {
    enabled: v.enabled,
    ...(v.notBefore === undefined ? {} : { nbf: v.notBefore }),
    ...(v.expires === undefined ? {} : { exp: v.expires }),
    created: v.created,
    updated: v.updated,
    recoveryLevel: 'Recoverable+Purgeable',
    recoverableDays,
  };
}

function properties(v: SecretVersion, recoverableDays: number): Record<string, unknown> {
  return {
    attributes: attributes(v, recoverableDays),
    ...(v.contentType === undefined ? {} : { contentType: v.contentType }),
    ...(v.tags === undefined ? {} : { tags: v.tags }),
  };
}

export function secretId(base: string, v: SecretVersion, withVersion = true): string {
  return `${base}/secrets/${v.name}${withVersion ? `/${v.version}` : ''}`;
}

/** A secret bundle; only set and get carry the value, as on the real service. */
export function secretBundle(
  base: string,
  v: SecretVersion,
  recoverableDays: number,
  withValue: boolean,
): Record<string, unknown> {
  return {
    ...(withValue ? { value: v.value } : {}),
    id: secretId(base, v),
    ...properties(v, recoverableDays),
  };
}

/** An entry of `GET /secrets` (no version in the id) or of `GET /secrets/{name}/versions` (with it). */
export function secretItem(
  base: string,
  v: SecretVersion,
  recoverableDays: number,
  withVersion: boolean,
): Record<string, unknown> {
  return { id: secretId(base, v, withVersion), ...properties(v, recoverableDays) };
}

function deletion(base: string, d: DeletedSecret): Record<string, unknown> {
  return {
    recoveryId: `${base}/deletedsecrets/${d.latest.name}`,
    deletedDate: d.deletedDate,
    scheduledPurgeDate: d.scheduledPurgeDate,
  };
}

export function deletedSecretBundle(
  base: string,
  d: DeletedSecret,
  recoverableDays: number,
): Record<string, unknown> {
  return { ...deletion(base, d), ...secretBundle(base, d.latest, recoverableDays, false) };
}

export function deletedSecretItem(
  base: string,
  d: DeletedSecret,
  recoverableDays: number,
): Record<string, unknown> {
  return { ...deletion(base, d), ...secretItem(base, d.latest, recoverableDays, false) };
}
