import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/**
 * Host keys, generated on first start and kept in a git-ignored file, as the real host keeps them in its
 * storage account. The handle exposes them to tests; nothing logs them.
 */
export interface HostKeys {
  /** Admin level: `/admin/*`, admin-level HTTP functions, the durable webhooks. */
  readonly masterKey: string;
  /** Host-level function key accepted by every function-level HTTP function. */
  readonly functionKey: string;
  /** System key of the Durable Task extension (`code=` in the management URLs). */
  readonly durableTaskKey: string;
}

const keysFileSchema = z.object({
  masterKey: z.string().min(16),
  functionKeys: z.object({ default: z.string().min(16) }),
  systemKeys: z.object({ durabletask_extension: z.string().min(16) }),
});

function newKey(): string {
  return randomBytes(32).toString('base64url');
}

export async function loadOrCreateKeys(keysPath: string): Promise<HostKeys> {
  const existing = await readFile(keysPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing !== undefined) {
    const parsed = keysFileSchema.safeParse(JSON.parse(existing));
    if (!parsed.success)
      throw new Error(`${keysPath} is not a valid host keys file; delete it to regenerate the keys.`);
    const file = parsed.data;
    return {
      masterKey: file.masterKey,
      functionKey: file.functionKeys.default,
      durableTaskKey: file.systemKeys.durabletask_extension,
    };
  }
  const keys: HostKeys = { masterKey: newKey(), functionKey: newKey(), durableTaskKey: newKey() };
  const file: z.infer<typeof keysFileSchema> = {
    masterKey: keys.masterKey,
    functionKeys: { default: keys.functionKey },
    systemKeys: { durabletask_extension: keys.durableTaskKey },
  };
  await mkdir(path.dirname(keysPath), { recursive: true });
  try {
    await writeFile(keysPath, `${JSON.stringify(file, null, 2)}\n`, {
      encoding: 'utf8',
      mode: 0o600,
      flag: 'wx',
    });
  } catch (error) {
    // Another host created the file first: use its keys.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateKeys(keysPath);
    throw error;
  }
  return keys;
}

/** Constant-time comparison of a presented key against the accepted ones. */
export function isOneOf(presented: string | undefined, accepted: readonly string[]): boolean {
  if (!presented) return false;
  const given = Buffer.from(presented);
  return accepted.some((key) => {
    const expected = Buffer.from(key);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}
