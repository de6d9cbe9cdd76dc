import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writePrivateFile } from './webhook-secret-files';

/**
 * The running stack's managed-identity endpoint for a developer's own scripts, as an env file under `.local/`
 * (git-ignored, readable by this user only): with it, `new SecretClient(KEYVAULT_URL, new DefaultAzureCredential(),
 * { disableChallengeResourceVerification: true })` reaches the local Key Vault the way the app does, through
 * `IDENTITY_ENDPOINT`/`IDENTITY_HEADER` (App Service managed identity), and trusts the stack's certificate through
 * `NODE_EXTRA_CA_CERTS`. Load it into the shell (`set -a; . .local/managed-identity.env; set +a`) rather than with
 * `node --env-file`: Node reads NODE_EXTRA_CA_CERTS before it reads an env file (measured on Node 20). The endpoint
 * and its header change with every start, so `npm start` removes the file when it stops.
 */
export function identityFilePath(root: string): string {
  return join(root, '.local', 'managed-identity.env');
}

/** The variables the file carries, from the stack's settings. */
export const identityFileVariables = [
  'IDENTITY_ENDPOINT',
  'IDENTITY_HEADER',
  'KEYVAULT_URL',
  'TRUSTED_CA_CERT_PATH',
] as const;

export async function writeIdentityFile(root: string, settings: Record<string, string>): Promise<string> {
  const missing = identityFileVariables.filter((name) => !settings[name]);
  if (missing.length > 0) throw new Error(`The local stack exported no ${missing.join(', ')}`);
  const lines = [
    '# Written by `npm start` for this start only: the endpoint and its header change every time.',
    '# set -a; . .local/managed-identity.env; set +a; node your-script.js',
    ...identityFileVariables.map((name) => `${name}=${settings[name]}`),
    // Read by Node at start-up: the script's TLS connections (SecretClient's) then trust the stack's certificate.
    `NODE_EXTRA_CA_CERTS=${settings.TRUSTED_CA_CERT_PATH}`,
    '',
  ];
  const path = identityFilePath(root);
  await writePrivateFile(path, lines.join('\n'));
  return path;
}

export async function removeIdentityFile(root: string): Promise<void> {
  await rm(identityFilePath(root), { force: true });
}
