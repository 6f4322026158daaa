// Kaggle's persisted log format: a JSON array with one element per line and leading commas,
//   [{"stream_name":"stdout","time":12.3,"data":"hello\n"}
//   ,{"stream_name":"stderr","time":13.0,"data":"warn\n"}
//   ]
// Clients parse it as JSON; some read it line by line, so the layout is kept exactly.

import type { LogEntry } from '../platform/local/executor.js';

export function entryJson(entry: LogEntry): string {
  // Fixed key order, as Kaggle writes it.
  return JSON.stringify({ stream_name: entry.stream_name, time: entry.time, data: entry.data });
}

export function formatPersistedLog(entries: readonly LogEntry[]): string {
  if (entries.length === 0) return '[]';
  return `[${entries.map(entryJson).join('\n,')}\n]`;
}

/** One Server-Sent Event carrying a log entry. */
export function sseEvent(entry: LogEntry): string {
  return `data: ${entryJson(entry)}\n\n`;
}

export const SSE_END = 'data: END_OF_LOG\n\n';
