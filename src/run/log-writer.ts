import type { LogLine, RunStore } from '../store/run-store.js';

const FLUSH_EVERY_MS = 500;
/** Text gathered before a write (a few thousand short lines). */
const FLUSH_EVERY_CHARS = 256 * 1024;

/**
 * Buffers log lines into the run store, a record per line (log-records.ts) however many a
 * log event carries: a write per line would dominate chatty programs.
 */
export class LogWriter {
  /** Chunks of text not written yet; the store writes a record per line. */
  private pending: LogLine[] = [];
  private chars = 0;
  private lastFlush = Date.now();

  constructor(
    private readonly store: Pick<RunStore, 'appendLog'>,
    private readonly runId: string,
  ) {}

  /** Returns a promise only when it writes (awaiting every line would cost a tick each). */
  add(stream: LogLine['stream'], text: string): Promise<void> | undefined {
    const now = Date.now();
    this.pending.push({ stream, at: now, text });
    this.chars += text.length;
    if (this.chars >= FLUSH_EVERY_CHARS || now - this.lastFlush >= FLUSH_EVERY_MS) {
      return this.flush();
    }
    return undefined;
  }

  async flush(): Promise<void> {
    const lines = this.pending;
    this.pending = [];
    this.chars = 0;
    this.lastFlush = Date.now();
    await this.store.appendLog(this.runId, lines);
  }
}
