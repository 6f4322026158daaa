// How a log event's text divides into the records of a run's log (log.jsonl): each line, with
// its '\n', is one record, and text after the last '\n' (a partial line: a prompt, a piece of
// a progress bar or of a very long line) is one more. Platforms merge entries into events
// only where the merged text ends with '\n', so the records of a log are the same however its
// entries were gathered into events: a re-attach that replays the log skips exactly the
// records already stored.

export type LogStream = 'stdout' | 'stderr';

/** The records of one event's text, in order; joined, they are the text. */
export function logRecords(text: string): string[] {
  const records: string[] = [];
  let start = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
    records.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  if (start < text.length) records.push(text.slice(start));
  return records;
}

/** The number of records in `text`, without building them. */
export function countLogRecords(text: string): number {
  let count = 0;
  let start = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
    count++;
    start = nl + 1;
  }
  return start < text.length ? count + 1 : count;
}

/** `text` without its first `count` records. */
export function dropLogRecords(text: string, count: number): string {
  let start = 0;
  for (let i = 0; i < count && start < text.length; i++) {
    const nl = text.indexOf('\n', start);
    start = nl < 0 ? text.length : nl + 1;
  }
  return text.slice(start);
}

/**
 * Consecutive entries of one stream as one text each, merged only after a '\n' (see above):
 * a chunk of a million-line log becomes one event instead of thousands. Order is kept.
 */
export function mergeLogEntries<E>(
  entries: readonly E[],
  streamOf: (entry: E) => LogStream,
  textOf: (entry: E) => string,
): { stream: LogStream; text: string }[] {
  const out: { stream: LogStream; text: string }[] = [];
  let stream: LogStream | undefined;
  let parts: string[] = [];
  let open = false; // the gathered text ends without '\n'
  const flush = () => {
    if (stream !== undefined && parts.length > 0) {
      out.push({ stream, text: parts.length === 1 ? parts[0]! : parts.join('') });
    }
    parts = [];
  };
  for (const entry of entries) {
    const text = textOf(entry);
    if (text === '') continue;
    const s = streamOf(entry);
    if (s !== stream || open) {
      flush();
      stream = s;
    }
    parts.push(text);
    open = !text.endsWith('\n');
  }
  flush();
  return out;
}
