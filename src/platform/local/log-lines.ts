// Turns a child's output stream into log entries of whole lines: the lines one chunk of the
// pipe completes make one entry (as the server's wrapper and Kaggle's own entries do), so a
// program printing a million short lines costs a few thousand entries downstream. A line
// without its newline (a prompt, a progress bar) is emitted after a short pause so it is not
// held back forever. Linear in the output however long its lines: each chunk is scanned once,
// and a line longer than MAX_LINE_CHARS is emitted in pieces of that size (joined, they are
// the line's exact text), so a program printing one 50 MB line costs no more than one
// printing short ones.

import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';

export interface LogEntry {
  stream_name: 'stdout' | 'stderr';
  /** Seconds since the session started, as Kaggle's logs count it. */
  time: number;
  data: string;
}

const PARTIAL_LINE_FLUSH_MS = 200;
/** The longest entry: a longer line is split into pieces (the same rule as the server's). */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * Emits `stream`'s lines until it closes. `hold`, asked after each chunk, returns a promise
 * while the reader is behind: the stream is paused until it settles.
 */
export function collectLines(
  stream: Readable,
  name: LogEntry['stream_name'],
  startedAtMs: number,
  emit: (entry: LogEntry) => void,
  hold?: () => Promise<void> | undefined,
): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let pending: string[] = [];
  let pendingChars = 0;
  let timer: NodeJS.Timeout | undefined;
  const push = (data: string) =>
    emit({ stream_name: name, time: (Date.now() - startedAtMs) / 1000, data });
  const takePending = (tail: string): string => {
    const text = pending.length === 0 ? tail : pending.join('') + tail;
    pending = [];
    pendingChars = 0;
    return text;
  };
  /** Adds text without a newline; emits full pieces of a line that grew too long. */
  const keep = (text: string) => {
    let rest = text;
    while (pendingChars + rest.length >= MAX_LINE_CHARS) {
      const room = MAX_LINE_CHARS - pendingChars;
      push(takePending(rest.slice(0, room)));
      rest = rest.slice(room);
    }
    if (rest !== '') {
      pending.push(rest);
      pendingChars += rest.length;
    }
  };
  const flushPartial = () => {
    timer = undefined;
    if (pendingChars > 0) push(takePending(''));
  };
  /**
   * The pause is over: flushed after the event loop's next look at the pipe, not at once. A
   * process that was not scheduled for the whole pause (a loaded machine) may have the rest
   * of the line waiting unread; flushing before reading it would cut the line in two.
   */
  let settle: NodeJS.Immediate | undefined;
  const afterPause = () => {
    timer = undefined;
    settle = setImmediate(() => {
      settle = undefined;
      flushPartial();
    });
  };
  const armPartialFlush = () => {
    if (timer === undefined && settle === undefined && pendingChars > 0) {
      timer = setTimeout(afterPause, PARTIAL_LINE_FLUSH_MS);
    }
  };
  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer) => {
      const text = decoder.write(chunk);
      // The lines from `whole` on are not emitted yet; a line too long goes out on its own.
      let whole = 0;
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        const held = start === whole ? pendingChars : 0;
        if (held + nl + 1 - start > MAX_LINE_CHARS) {
          if (start > whole) push(takePending(text.slice(whole, start)));
          keep(text.slice(start, nl));
          push(takePending('\n'));
          whole = nl + 1;
        }
        start = nl + 1;
      }
      if (start > whole) push(takePending(text.slice(whole, start)));
      if (start < text.length) keep(text.slice(start));
      if (timer !== undefined) clearTimeout(timer);
      if (settle !== undefined) clearImmediate(settle);
      timer = undefined;
      settle = undefined;
      const wait = hold?.();
      if (wait === undefined) {
        armPartialFlush();
        return;
      }
      // While the stream is paused the rest of a pending line waits in the pipe: flushing
      // the part read so far would cut the line in two, so the pause starts once it resumes.
      stream.pause();
      void wait.then(() => {
        stream.resume();
        armPartialFlush();
      });
    });
    stream.on('close', () => {
      if (timer !== undefined) clearTimeout(timer);
      if (settle !== undefined) clearImmediate(settle);
      const rest = decoder.end();
      if (rest !== '') keep(rest);
      flushPartial();
      resolve();
    });
  });
}
