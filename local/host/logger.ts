/**
 * Host log lines: invocation start/end with function name, invocation id and duration, user `context.log`
 * output, and errors with their stack. Keys never reach a log line: nothing in the host formats them.
 */
export type LogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical';

export interface LogEntry {
  readonly level: LogLevel;
  /** `host` for the host's own lines, `function` for invocation lines, `user` for `context.log`. */
  readonly category: 'host' | 'function' | 'user';
  readonly message: string;
  readonly functionName?: string;
  readonly invocationId?: string;
  readonly error?: unknown;
}

export type LogSink = (entry: LogEntry) => void;

function errorText(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

export function formatLogEntry(entry: LogEntry): string {
  const scope = entry.functionName ? `[${entry.functionName}] ` : '';
  const line = `[${new Date().toISOString()}] ${scope}${entry.message}`;
  return entry.error === undefined ? line : `${line}\n${errorText(entry.error)}`;
}

/** Writes to the console; debug and trace lines are dropped unless `verbose`. */
export function consoleLogSink(verbose = false): LogSink {
  return (entry) => {
    if (!verbose && (entry.level === 'debug' || entry.level === 'trace')) return;
    const text = formatLogEntry(entry);
    if (entry.level === 'error' || entry.level === 'critical') console.error(text);
    else if (entry.level === 'warning') console.warn(text);
    else console.log(text);
  };
}
