import { createHash } from 'node:crypto';

/**
 * A stable id from its parts: the same parts (the same device, transition and sweep instant, replayed or sent twice)
 * always give the same id, so consumers drop duplicates by id. 128 bits of SHA-256, hex.
 */
export function stableId(kind: string, ...parts: readonly string[]): string {
  return createHash('sha256')
    .update([kind, ...parts].join('\n'))
    .digest('hex')
    .slice(0, 32);
}
