import type { LogEntry } from './log-lines.js';

/**
 * A run's log as it grows: readers replay it from the start and then wait for more, until
 * the run is finished. Shared by in-process and file-backed executions.
 */
export class LiveLog {
  readonly entries: LogEntry[] = [];
  private readonly waiters = new Set<() => void>();
  private finished = false;

  push(entry: LogEntry): void {
    this.entries.push(entry);
    this.wake();
  }

  /** Many entries at once (a spread would overflow the stack for a large batch). */
  pushAll(entries: readonly LogEntry[]): void {
    for (const entry of entries) this.entries.push(entry);
    if (entries.length > 0) this.wake();
  }

  finish(): void {
    this.finished = true;
    this.wake();
  }

  async *follow(signal?: AbortSignal): AsyncIterable<LogEntry> {
    let index = 0;
    for (;;) {
      while (index < this.entries.length) yield this.entries[index++]!;
      if (this.finished || signal?.aborted) return;
      await new Promise<void>((resolve) => {
        // The listener goes when the wait ends: a long log must not pile them up on one signal.
        const wakeUp = () => {
          signal?.removeEventListener('abort', wakeUp);
          resolve();
        };
        this.waiters.add(wakeUp);
        signal?.addEventListener('abort', wakeUp, { once: true });
      });
    }
  }

  private wake(): void {
    for (const w of this.waiters) w();
    this.waiters.clear();
  }
}
