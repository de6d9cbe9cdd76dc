import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/**
 * The webhook signing secrets of the running local stack, one file per source under `.local/webhook-secrets/`
 * (git-ignored, like the host keys in `.local/host-keys.json`), readable by this user only. `npm start` writes them
 * so that local senders such as `npm run demo:order` can sign deliveries; nothing prints them.
 */
export function webhookSecretPath(root: string, source: string): string {
  return join(root, '.local', 'webhook-secrets', source);
}

export class WebhookSecretMissingError extends Error {
  constructor(root: string, source: string) {
    super(
      `No signing secret for webhook source '${source}' at ${relative(root, webhookSecretPath(root, source))}: ` +
        'start the local stack with `npm start` first (it writes the file).',
    );
    this.name = 'WebhookSecretMissingError';
  }
}

export async function writeWebhookSecret(root: string, source: string, secret: string): Promise<string> {
  const path = webhookSecretPath(root, source);
  await writePrivateFile(path, secret);
  return path;
}

/**
 * Replaces the file in one step, in a directory only this user may enter, so that a reader never sees half a
 * secret or a file with wider permissions.
 */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  const dir = join(path, '..');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content, { encoding: 'utf8', mode: 0o600 });
  await rename(temporary, path);
}

export async function readWebhookSecret(root: string, source: string): Promise<string> {
  const secret = await readFile(webhookSecretPath(root, source), 'utf8').catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') throw new WebhookSecretMissingError(root, source);
      throw error;
    },
  );
  if (!secret.trim()) throw new WebhookSecretMissingError(root, source);
  return secret.trim();
}
