import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LogEntry, LogSink } from '..';

export const fixtures = path.join(__dirname, 'fixtures');
export const httpApp = path.join(fixtures, 'http-app', 'index.ts');
export const durableApp = path.join(fixtures, 'durable-app', 'index.ts');

/** Collects host log lines so a test can assert on them (and the console stays quiet). */
export function memoryLog(): { sink: LogSink; entries: LogEntry[]; text(): string } {
  const entries: LogEntry[] = [];
  return {
    sink: (entry) => entries.push(entry),
    entries,
    text: () =>
      entries
        .map((e) => `${e.message}${e.error instanceof Error ? `\n${e.error.stack ?? ''}` : ''}`)
        .join('\n'),
  };
}

/** A throwaway directory for the keys file; removed by the returned cleanup. */
export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'local-host-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
