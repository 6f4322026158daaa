// One line of a kernel's log, as the worker records it: `{"stream_name": "stdout", "time":
// 12.3, "data": "hello\n"}`. The live stream sends these as SSE events; the persisted log
// (the `log` field of ListKernelSessionOutput, and the stream URL after the session ended)
// is a JSON array of them, one element per line with a leading comma in production.

import { JsonArrayElements } from './json-array-elements.js';
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

/** Text without a newline past which a log that showed no element yet is read element-wise. */
const LINE_LAYOUT_PROBE_CHARS = 1024 * 1024;

/**
 * Reads a persisted log as it arrives, in batches, for logs too big to hold as one text
 * (a million lines is ~90 MB). The production layout has one element per line and is read
 * line by line; a log in another layout (all on one line, pretty-printed) is read element by
 * element from where that shows (json-array-elements.ts). Either way memory stays at a chunk
 * and an element, however long the log; `maxChars` bounds one line or element, and a text
 * with no log object at all, which comes back as plain text as parsePersistedLog does.
 */
export class PersistedLogReader {
  private rest: string[] = [];
  private restChars = 0;
  private sawElement = false;
  private elements: JsonArrayElements | undefined;
  /** The text read element-wise while it showed no element: a plain-text log. */
  private plain: string[] = [];
  private plainChars = 0;

  constructor(
    private readonly maxChars: number,
    private readonly tooLong: (why: string) => Error = (why) => new Error(why),
  ) {}

  /** The elements completed by this chunk of text. */
  feed(chunk: string): LogEntry[] {
    if (this.elements !== undefined) return this.scan(chunk);
    const out: LogEntry[] = [];
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
      const raw = this.takeRest(chunk.slice(start, nl));
      start = nl + 1;
      const entry = persistedLogLine(raw);
      if (entry !== undefined) {
        this.sawElement = true;
        out.push(entry);
      } else if (!this.sawElement && raw.trim() !== '') {
        // Not the production layout: the rest is read element by element.
        out.push(...this.switchToElements(`${raw}\n${chunk.slice(start)}`));
        return out;
      }
      // else: a damaged line of the production layout, skipped
    }
    if (start < chunk.length) {
      this.rest.push(chunk.slice(start));
      this.restChars += chunk.length - start;
      if (!this.sawElement && this.restChars > Math.min(LINE_LAYOUT_PROBE_CHARS, this.maxChars)) {
        out.push(...this.switchToElements(this.takeRest('')));
      } else if (this.restChars > this.maxChars) {
        throw this.tooLong(`a persisted log line longer than ${this.maxChars} characters`);
      }
    }
    return out;
  }

  /** The end of the body: the last line, or a plain-text log's text. */
  end(): LogEntry[] {
    if (this.elements === undefined) {
      const raw = this.takeRest('');
      const entry = persistedLogLine(raw);
      if (entry !== undefined) return [entry];
      if (this.sawElement || raw.trim() === '') return [];
      const out = this.switchToElements(raw);
      return [...out, ...this.end()];
    }
    if (this.sawElement) return [];
    const text = this.plain.join('');
    return text.trim() === '' ? [] : parsePersistedLog(text);
  }

  private switchToElements(text: string): LogEntry[] {
    this.elements = new JsonArrayElements(this.maxChars, this.tooLong);
    return this.scan(text);
  }

  private scan(chunk: string): LogEntry[] {
    const out: LogEntry[] = [];
    for (const text of this.elements!.feed(chunk)) {
      try {
        const entry = logEntryFromJson(JSON.parse(text));
        if (entry !== undefined) out.push(entry);
      } catch {
        continue; // a damaged element: skip it, keep the rest
      }
    }
    if (out.length > 0) {
      this.sawElement = true;
      this.plain = [];
    } else if (!this.sawElement) {
      this.plainChars += chunk.length;
      if (this.plainChars > this.maxChars) {
        throw this.tooLong(`a persisted log of ${this.maxChars} characters without a log entry`);
      }
      this.plain.push(chunk);
    }
    return out;
  }

  private takeRest(tail: string): string {
    const text = this.rest.length === 0 ? tail : this.rest.join('') + tail;
    this.rest = [];
    this.restChars = 0;
    return text;
  }
}
