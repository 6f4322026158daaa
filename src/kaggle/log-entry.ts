// One line of a kernel's log, as the worker records it: `{"stream_name": "stdout", "time":
// 12.3, "data": "hello\n"}`. The live stream sends these as SSE events; the persisted log
// (the `log` field of ListKernelSessionOutput, and the stream URL after the session ended)
// is a JSON array of them, one element per line with a leading comma in production.

import { isJsonObject } from './wire.js';

export interface LogEntry {
  stream: 'stdout' | 'stderr';
  /** Seconds since the session started (0 when the server did not say). */
  time: number;
  data: string;
}

/** A worker log object, or undefined when it is not one. */
export function logEntryFromJson(value: unknown): LogEntry | undefined {
  if (!isJsonObject(value) || typeof value.data !== 'string') return undefined;
  const stream =
    value.stream_name === 'stderr' || value.streamName === 'stderr' ? 'stderr' : 'stdout';
  const time = typeof value.time === 'number' && Number.isFinite(value.time) ? value.time : 0;
  return { stream, time, data: value.data };
}

/** Plain text that is not a log object still reaches the user, as a stdout line. */
export function plainTextEntry(text: string): LogEntry {
  return { stream: 'stdout', time: 0, data: text.endsWith('\n') ? text : `${text}\n` };
}

/**
 * Parses a persisted log. Valid JSON first (both layouts are valid JSON); a damaged blob
 * (truncated, stray lines) is read line by line, keeping every element that parses; text
 * that holds no log object at all comes back as plain text.
 */
export function parsePersistedLog(text: string): LogEntry[] {
  if (text.trim() === '') return [];
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed.flatMap((v) => logEntryFromJson(v) ?? []);
  } catch {
    // fall through to the line-by-line reading
  }
  const entries: LogEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw
      .trim()
      .replace(/^\[/, '')
      .replace(/^,/, '')
      .replace(/\]$/, '')
      .replace(/,$/, '')
      .trim();
    if (!line.startsWith('{')) continue;
    try {
      const entry = logEntryFromJson(JSON.parse(line));
      if (entry) entries.push(entry);
    } catch {
      // a damaged element: skip it, keep the rest
    }
  }
  return entries.length > 0 ? entries : [plainTextEntry(text)];
}
