import type { LogLine, RunStore } from '../store/run-store.js';

const FLUSH_EVERY_MS = 500;
const FLUSH_EVERY_LINES = 5000;

/** Buffers log lines into the run store: a write per line would dominate chatty programs. */
export class LogWriter {
  private pending: LogLine[] = [];
  private lastFlush = Date.now();

  constructor(
    private readonly store: RunStore,
    private readonly runId: string,
  ) {}

  /** Returns a promise only when it writes (awaiting every line would cost a tick each). */
  add(stream: LogLine['stream'], text: string): Promise<void> | undefined {
    const now = Date.now();
    this.pending.push({ stream, at: now, text });
    if (this.pending.length >= FLUSH_EVERY_LINES || now - this.lastFlush >= FLUSH_EVERY_MS) {
      return this.flush();
    }
    return undefined;
  }

  async flush(): Promise<void> {
    const lines = this.pending;
    this.pending = [];
    this.lastFlush = Date.now();
    await this.store.appendLog(this.runId, lines);
  }
}
