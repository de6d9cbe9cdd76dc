import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of Core Tools' `local.settings.json` the local tools read. */
export interface LocalSettingsFile {
  IsEncrypted?: boolean;
  Values?: Record<string, string>;
  Host?: { LocalHttpPort?: number };
}

export class EncryptedSettingsError extends Error {
  constructor(path: string) {
    super(`${path} is encrypted; the local tools read plain settings only`);
    this.name = 'EncryptedSettingsError';
  }
}

/** `local.settings.json` under `root` when there is one, else the committed `local.settings.sample.json`. */
export function readLocalSettings(root: string): { path: string; settings: LocalSettingsFile } {
  const own = join(root, 'local.settings.json');
  const path = existsSync(own) ? own : join(root, 'local.settings.sample.json');
  const settings = JSON.parse(readFileSync(path, 'utf8')) as LocalSettingsFile;
  if (settings.IsEncrypted) throw new EncryptedSettingsError(path);
  return { path, settings };
}
