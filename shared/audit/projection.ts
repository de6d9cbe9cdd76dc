import { createHmac } from 'node:crypto';
import { type AuditEnvironment, type AuditEvent, personalData } from './contract';

/** An event as one sink keeps it: the other environment's personal data replaced as `personalData` says. */
export type ProjectedEvent = Record<string, unknown>;

/** Keyed hashes look like this, so a reader (and a test) tells them from clear values. */
export const keyedHashPrefix = 'kh1:';

/**
 * A keyed hash of a personal value: HMAC-SHA256 with the sink's key over the field's path and the value, case-folded
 * (UPNs, display names and device names compare case-insensitively), base64url. Stable: the same person gets the
 * same value in every record of that sink.
 */
export function keyedHash(key: Buffer, path: readonly string[], value: string): string {
  const mac = createHmac('sha256', key)
    .update(path.join('.'))
    .update('\0')
    .update(value.normalize('NFC').toLowerCase())
    .digest('base64url');
  return `${keyedHashPrefix}${mac}`;
}

/**
 * The event as the sink of `environment` keeps it: its own environment's personal data in clear, the other's hashed
 * with `key` (the sink's own key) or left out. One function for both sinks, driven by the declaration alone.
 */
export function projectFor(environment: AuditEnvironment, event: AuditEvent, key: Buffer): ProjectedEvent {
  const projected = structuredClone(event) as unknown as Record<string, unknown>;
  const foreign: AuditEnvironment = environment === 'operator' ? 'customer' : 'operator';
  for (const field of personalData[foreign]) {
    // The operator's fields live in the actor only when the actor is an operator.
    if (foreign === 'operator' && event.actor.kind !== 'operator') continue;
    apply(projected, field.path, [], (value, path) =>
      field.elsewhere === 'omit' ? undefined : keyedHash(key, path, value),
    );
  }
  return projected;
}

function apply(
  node: Record<string, unknown>,
  path: readonly string[],
  walked: string[],
  replace: (value: string, path: string[]) => string | undefined,
): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  const keys = head === '*' ? Object.keys(node) : [head];
  for (const key of keys) {
    const value = node[key];
    if (value === undefined) continue;
    const here = [...walked, key];
    if (rest.length > 0) {
      if (typeof value === 'object' && value !== null)
        apply(value as Record<string, unknown>, rest, here, replace);
      continue;
    }
    if (typeof value !== 'string') continue;
    const replaced = replace(value, here);
    if (replaced === undefined) delete node[key];
    else node[key] = replaced;
  }
}
