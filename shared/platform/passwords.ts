import { randomBytes, randomInt } from 'node:crypto';

/**
 * A random service-account password: 24 characters, one from each of four classes and 20 from base64url, so that
 * Entra ID's complexity rule holds for any draw. Generated inside the one step that stores and sets it.
 */
export function generatePassword(): string {
  const classes = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', '!@#$%^*-_=+'];
  const chars = classes.map((c) => c[randomInt(c.length)]);
  const rest = randomBytes(20).toString('base64url').slice(0, 20);
  return [...chars, ...rest].join('');
}
