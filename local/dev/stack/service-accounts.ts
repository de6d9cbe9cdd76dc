import { type TokenCredential } from '@azure/core-auth';
import { seedSecrets } from '@mds/keyvault-standin';
import { type TenantSimHandle } from '@mds/tenant-sim';
import { credentialAccounts } from '../../../shared/access/contract';
import { generatePassword } from '../../../shared/platform/passwords';
import { secretNames } from '../../../shared/platform/secret-names';

/**
 * The service accounts a provisioned tenant has (msadmin, mstest, soc_ro, wdgsoc), seeded into a demo tenant of the
 * simulator with random passwords that go to Key Vault under the names the app reads, so that a credential can be
 * requested, approved, checked out and rotated on `npm start`. The passwords live in the simulator (hashed) and in
 * Key Vault only.
 */
export async function seedServiceAccounts(
  sim: TenantSimHandle,
  tenantId: string,
  vault: { url: string; credential: TokenCredential; ca: string },
  now: number,
): Promise<void> {
  const tenant = sim.world.tenant(tenantId);
  if (!tenant) throw new Error(`the simulator holds no tenant ${tenantId}`);
  const secrets: Record<string, string> = {};
  for (const account of credentialAccounts) {
    const userPrincipalName = `${account}@${tenant.directory.domain}`;
    if (tenant.directory.user(userPrincipalName)) continue;
    const password = generatePassword();
    tenant.directory
      .addUser(
        {
          userPrincipalName,
          displayName: `Managed Desktop ${account}`,
          accountEnabled: true,
          usageLocation: 'US',
        },
        now,
      )
      .setPassword(password, now);
    secrets[secretNames.tenantServiceAccountPassword(tenantId, account)] = password;
  }
  await seedSecrets(vault.url, vault.credential, vault.ca, secrets);
}
