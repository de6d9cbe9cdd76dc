import { type SecretClient, type SecretProperties } from '@azure/keyvault-secrets';
import { type TenantRecord } from '../domain/tenant';
import { AppError, DependencyUnavailableError, NotFoundError } from '../errors';
import { type ApiClient } from '../platform/graph/api-client';
import { segment } from '../platform/graph/odata';
import { generatePassword } from '../platform/passwords';
import { secretNames } from '../platform/secret-names';
import { type CredentialAccount } from './contract';

/**
 * The one place a service-account password exists in the app's memory: read here for the checkout response, or
 * generated here, stored in Key Vault and set on the Entra account within one call. Nothing in this file logs, and
 * its errors name secrets and versions, never values.
 */
export function passwordSecretName(tenant: TenantRecord, account: CredentialAccount): string {
  return (
    tenant.management?.serviceAccountSecrets[account] ??
    secretNames.tenantServiceAccountPassword(tenant.id, account)
  );
}

/** The enabled versions of a secret, newest first (properties only: listing reads no value). */
async function enabledVersions(secrets: SecretClient, name: string): Promise<SecretProperties[]> {
  const versions: SecretProperties[] = [];
  for await (const properties of secrets.listPropertiesOfSecretVersions(name))
    if (properties.enabled !== false) versions.push(properties);
  return versions.sort((a, b) => (b.createdOn?.getTime() ?? 0) - (a.createdOn?.getTime() ?? 0));
}

/** The newest enabled version: the password Entra holds (a rotation enables its version only once Entra took it). */
export async function currentVersion(
  secrets: SecretClient,
  name: string,
): Promise<SecretProperties | undefined> {
  return (await vaultCall(`list versions of ${name}`, () => enabledVersions(secrets, name)))[0];
}

export async function readCurrentPassword(secrets: SecretClient, name: string): Promise<string> {
  const version = await currentVersion(secrets, name);
  if (!version?.version) throw new NotFoundError(`Key Vault holds no enabled version of ${name}.`);
  const versionId = version.version;
  const secret = await vaultCall(`read ${name}`, () => secrets.getSecret(name, { version: versionId }));
  if (secret.value === undefined) throw new NotFoundError(`Key Vault secret ${name} has no value.`);
  return secret.value;
}

/** The Entra object id of a tenant's service account, by its userPrincipalName on the tenant's initial domain. */
export async function findAccountUserId(graph: ApiClient, account: CredentialAccount): Promise<string> {
  const { body } = await graph.get<{
    value: { verifiedDomains?: { name: string; isInitial?: boolean }[] }[];
  }>('/v1.0/organization');
  const domain = body.value[0]?.verifiedDomains?.find((d) => d.isInitial)?.name;
  if (!domain) throw new NotFoundError('The tenant answered no initial domain.');
  const user = await graph.get<{ id: string }>(`/v1.0/users/${segment(`${account}@${domain}`)}?$select=id`);
  return user.body.id;
}

/**
 * One rotation attempt, in the order that never loses a password Entra holds: the new password is stored first as
 * a disabled version, then set on the account through Graph (`PATCH /users/{id}` with `passwordProfile`), then its
 * version is enabled and every other enabled version disabled. An attempt that fails before Entra took the password
 * leaves only a disabled version behind; a repeat makes a new one.
 */
export async function rotateAccountPassword(
  deps: { secrets: SecretClient; graph: ApiClient },
  name: string,
  userId: string,
  tags: Record<string, string>,
): Promise<{ version: string; disabledVersions: number }> {
  const created = await vaultCall(`store a new version of ${name}`, () =>
    deps.secrets.setSecret(name, generatePassword(), {
      enabled: false,
      contentType: 'service-account-password',
      tags,
    }),
  );
  const version = created.properties.version;
  if (!version || created.value === undefined)
    throw new DependencyUnavailableError(`Key Vault answered no version for ${name}.`, 'keyVault');
  await deps.graph.patch(`/v1.0/users/${segment(userId)}`, {
    passwordProfile: { forceChangePasswordNextSignIn: false, password: created.value },
  });
  await vaultCall(`enable ${name}/${version}`, () =>
    deps.secrets.updateSecretProperties(name, version, { enabled: true }),
  );
  const older = (
    await vaultCall(`list versions of ${name}`, () => enabledVersions(deps.secrets, name))
  ).filter((v) => v.version !== version);
  for (const old of older) {
    const oldVersion = old.version ?? '';
    await vaultCall(`disable ${name}/${oldVersion}`, () =>
      deps.secrets.updateSecretProperties(name, oldVersion, { enabled: false }),
    );
  }
  return { version, disabledVersions: older.length };
}

/** Key Vault failures become retryable errors that name the operation, never a value. */
async function vaultCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AppError) throw error;
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 404) throw new NotFoundError(`Key Vault: ${what}: not found`);
    throw new DependencyUnavailableError(
      `Key Vault: ${what} failed${status ? ` (${status})` : ''}`,
      'keyVault',
    );
  }
}
