// A persistent run's log as it grows, read back from its file (session/log.jsonl, written by
// the wrapper of detached-run.ts) by each reader at its own pace. Nothing is held in memory
// but the part of the file a reader is taking now, however long the log: a server following
// a session that prints a million lines holds no million entries.

import { appendFile } from 'node:fs/promises';
import { LogTail } from './detached-run.js';
import type { LogEntry } from './log-lines.js';

/** The most of the file one read takes: a reader starting on a long log goes part by part. */
const READ_BYTES = 1024 * 1024;

export class FileLog {
  private finished = false;
  /** Counts grew() calls: a reader that saw no change since its read waits, else reads again. */
  private changes = 0;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly path: string) {}

  /** The file may have grown: readers waiting for more look again. */
  grew(): void {
    this.changes++;
    this.wake();
  }

  /** The run ended and its log is complete: readers stop at the end of the file. */
  finish(): void {
    this.finished = true;
    this.grew();
  }

  /** Adds an entry of our own (the wrapper could not say it: it never started). */
  async append(entry: LogEntry): Promise<void> {
    await appendFile(this.path, `${JSON.stringify(entry)}\n`);
    this.grew();
  }

  /** The whole log as it is now. */
  read(): Promise<LogEntry[]> {
    return new LogTail(this.path).read();
  }

  /** Replays the log from the start, then follows it until the run ended. */
  async *follow(signal?: AbortSignal): AsyncIterable<LogEntry> {
    const tail = new LogTail(this.path, READ_BYTES);
    for (;;) {
      const ended = this.finished;
      const seen = this.changes;
      const entries = await tail.read();
      for (const entry of entries) yield entry;
      if (entries.length > 0) continue;
      // Read to the end after the end was known: everything the run wrote is read.
      if (ended || signal?.aborted) return;
      if (this.changes !== seen) continue;
      await new Promise<void>((resolve) => {
        // The listener goes when the wait ends: a long log must not pile them up on one signal.
        const wakeUp = () => {
          signal?.removeEventListener('abort', wakeUp);
          this.waiters.delete(wakeUp);
          resolve();
        };
        this.waiters.add(wakeUp);
        signal?.addEventListener('abort', wakeUp, { once: true });
      });
    }
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w();
  }
}
