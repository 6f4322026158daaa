// Turns a child's output stream into log entries of whole lines. A line without its newline
// (a prompt, a progress bar) is emitted after a short pause so it is not held back forever.

import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';

export interface LogEntry {
  stream_name: 'stdout' | 'stderr';
  /** Seconds since the session started, as Kaggle's logs count it. */
  time: number;
  data: string;
}

const PARTIAL_LINE_FLUSH_MS = 200;

export function collectLines(
  stream: Readable,
  name: LogEntry['stream_name'],
  startedAtMs: number,
  emit: (entry: LogEntry) => void,
): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  const push = (data: string) =>
    emit({ stream_name: name, time: (Date.now() - startedAtMs) / 1000, data });
  const flushPartial = () => {
    timer = undefined;
    if (pending !== '') {
      push(pending);
      pending = '';
    }
  };
  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer) => {
      pending += decoder.write(chunk);
      const cut = pending.lastIndexOf('\n');
      if (cut >= 0) {
        for (const line of pending.slice(0, cut + 1).split(/(?<=\n)/)) push(line);
        pending = pending.slice(cut + 1);
      }
      if (timer !== undefined) clearTimeout(timer);
      if (pending !== '') timer = setTimeout(flushPartial, PARTIAL_LINE_FLUSH_MS);
    });
    stream.on('close', () => {
      if (timer !== undefined) clearTimeout(timer);
      pending += decoder.end();
      flushPartial();
      resolve();
    });
  });
}
