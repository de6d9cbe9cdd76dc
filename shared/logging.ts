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
  /** `cause` goes to the log as the host formats an error (its message and stack: keep personal data out of both). */
  error(message: string, cause?: unknown): void;
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
    error: (message, cause) =>
      cause === undefined
        ? context.error(`${prefix} ${message}`)
        : context.error(`${prefix} ${message}`, cause),
    with: (more) => invocationLog(context, { ...scope, ...more }),
  };
}

/** The scope an activity's or message's input names, when it names one (`tenantId`, `instanceId`). */
export function scopeOf(input: unknown): LogScope {
  if (typeof input !== 'object' || input === null) return {};
  const { tenantId, instanceId } = input as Record<string, unknown>;
  return {
    ...(typeof tenantId === 'string' ? { tenantId } : {}),
    ...(typeof instanceId === 'string' ? { instanceId } : {}),
  };
}
