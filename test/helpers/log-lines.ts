// An execution's log as lines: entries carry every line a chunk of output completed, so tests
// compare lines (log-records.ts), not how the lines were gathered into entries.

import type { LogEntry } from '../../src/platform/local/log-lines.js';
import { logRecords } from '../../src/platform/log-records.js';

export function logLines(entries: readonly LogEntry[]): string[] {
  return entries.flatMap((e) => logRecords(e.data));
}

/** Each line prefixed with its stream: `stdout: hello\n`. */
export function streamLines(entries: readonly LogEntry[]): string[] {
  return entries.flatMap((e) => logRecords(e.data).map((line) => `${e.stream_name}: ${line}`));
}
