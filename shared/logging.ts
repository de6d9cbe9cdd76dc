import { type InvocationContext } from '@azure/functions';

/**
 * The app's log lines for one invocation: each carries the invocation id, the tenant and the orchestration instance
 * (or `-`), so every line of one piece of work can be found together. What goes in a message: ids, codes, counts
 * and states; never a secret, and never a customer's personal data (user names, UPNs, device names): log the ids
 * (serial numbers, object ids) or an audit pseudonym instead.
 */
export interface InvocationLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** The same invocation with more of its scope known (a tenant found in the message, say). */
  with(scope: LogScope): InvocationLog;
}

export interface LogScope {
  tenantId?: string | undefined;
  instanceId?: string | undefined;
}

export function invocationLog(context: InvocationContext, scope: LogScope = {}): InvocationLog {
  const prefix = `[invocation=${context.invocationId} tenant=${scope.tenantId ?? '-'} instance=${scope.instanceId ?? '-'}]`;
  return {
    info: (message) => context.log(`${prefix} ${message}`),
    warn: (message) => context.warn(`${prefix} ${message}`),
    error: (message) => context.error(`${prefix} ${message}`),
    with: (more) => invocationLog(context, { ...scope, ...more }),
  };
}
