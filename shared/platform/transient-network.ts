/**
 * Socket-level failure codes after which a later attempt may succeed: the connection was refused, reset or timed out
 * before an answer came. Every adapter reads this one list.
 */
export const transientNetworkCodes: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
