import type { LogLine, RunStore } from '../store/run-store.js';

const FLUSH_EVERY_MS = 500;
const FLUSH_EVERY_LINES = 200;

/** Buffers log lines into the run store: a write per line would dominate chatty programs. */
export class LogWriter {
  private pending: LogLine[] = [];
  private lastFlush = Date.now();

  constructor(
    private readonly store: RunStore,
    private readonly runId: string,
  ) {}

  async add(stream: LogLine['stream'], text: string): Promise<void> {
    this.pending.push({ stream, at: Date.now(), text });
    if (this.pending.length >= FLUSH_EVERY_LINES || Date.now() - this.lastFlush >= FLUSH_EVERY_MS) {
      await this.flush();
    }
  }

  async flush(): Promise<void> {
    const lines = this.pending;
    this.pending = [];
    this.lastFlush = Date.now();
    await this.store.appendLog(this.runId, lines);
  }
}
