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
    const entry = persistedLogLine(raw);
    if (entry) entries.push(entry);
  }
  return entries.length > 0 ? entries : [plainTextEntry(text)];
}

/** One line of the production layout (`[{...}`, `,{...}`, `]`): its element, if it holds one. */
export function persistedLogLine(raw: string): LogEntry | undefined {
  const line = raw
    .trim()
    .replace(/^\[/, '')
    .replace(/^,/, '')
    .replace(/\]$/, '')
    .replace(/,$/, '')
    .trim();
  if (!line.startsWith('{')) return undefined;
  try {
    return logEntryFromJson(JSON.parse(line));
  } catch {
    return undefined; // a damaged element: skip it, keep the rest
  }
}

/**
 * Reads a persisted log as it arrives, in batches, for logs too big to hold as one text
 * (a million lines is ~90 MB). The production layout has one element per line, so memory
 * stays at one chunk; a log in another layout (all on one line) is kept whole up to
 * `maxChars` and parsed at the end as parsePersistedLog does, or refused past it.
 */
export class PersistedLogReader {
  private rest: string[] = [];
  private restChars = 0;
  private other: string[] = [];
  private otherChars = 0;
  private sawElement = false;

  constructor(
    private readonly maxChars: number,
    private readonly tooLong: (why: string) => Error = (why) => new Error(why),
  ) {}

  /** The elements completed by this chunk of text. */
  feed(chunk: string): LogEntry[] {
    const out: LogEntry[] = [];
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
      const piece = chunk.slice(start, nl);
      start = nl + 1;
      this.line(this.takeRest(piece), out);
    }
    if (start < chunk.length) {
      this.rest.push(chunk.slice(start));
      this.restChars += chunk.length - start;
      this.guard();
    }
    return out;
  }

  /** The end of the body: the last line, or the whole log when it was not line by line. */
  end(): LogEntry[] {
    const out: LogEntry[] = [];
    this.line(this.takeRest(''), out);
    if (this.sawElement) return out;
    const text = this.other.join('\n');
    return text.trim() === '' ? out : [...out, ...parsePersistedLog(text)];
  }

  private takeRest(tail: string): string {
    const text = this.rest.length === 0 ? tail : this.rest.join('') + tail;
    this.rest = [];
    this.restChars = 0;
    return text;
  }

  private line(raw: string, out: LogEntry[]): void {
    const entry = persistedLogLine(raw);
    if (entry !== undefined) {
      this.sawElement = true;
      out.push(entry);
      return;
    }
    if (this.sawElement || raw.trim() === '') return;
    this.other.push(raw);
    this.otherChars += raw.length;
    this.guard();
  }

  private guard(): void {
    if (this.restChars + this.otherChars > this.maxChars) {
      throw this.tooLong(`a persisted log line longer than ${this.maxChars} characters`);
    }
  }
}
