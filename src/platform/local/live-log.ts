import type { LogEntry } from './log-lines.js';

/**
 * What a queue-mode log holds for its reader before the program's output is held back: a
 * few chunks' worth of text (an entry is a chunk of lines), or many short entries.
 */
const QUEUE_CHARS = 4 * 1024 * 1024;
const QUEUE_ENTRIES = 10_000;

/**
 * A run's log as it grows: readers replay it from the start and then wait for more, until
 * the run is finished. Shared by in-process and file-backed executions.
 *
 * In queue mode (`keep: false`, one reader: the local platform's watch) entries are let go
 * once read, and `full()` tells the producer to hold the program's output back until the
 * reader caught up, so memory stays bounded however much the program prints.
 */
export class LiveLog {
  private items: LogEntry[] = [];
  private chars = 0;
  private readonly waiters = new Set<() => void>();
  private roomWaiters: (() => void)[] = [];
  private finished = false;

  constructor(private readonly keep = true) {}

  /** Everything logged so far (in queue mode: what is not read yet). */
  get entries(): readonly LogEntry[] {
    return this.items;
  }

  push(entry: LogEntry): void {
    this.items.push(entry);
    this.chars += entry.data.length;
    this.wake();
  }

  /** Queue mode: undefined while there is room, else a promise of room. */
  full(): Promise<void> | undefined {
    if (this.keep || this.finished) return undefined;
    if (this.items.length < QUEUE_ENTRIES && this.chars < QUEUE_CHARS) return undefined;
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  finish(): void {
    this.finished = true;
    this.wake();
    this.freeRoom();
  }

  async *follow(signal?: AbortSignal): AsyncIterable<LogEntry> {
    let index = 0;
    for (;;) {
      if (!this.keep && this.items.length > 0) {
        // Queue mode: take the whole backlog and let the producer go on meanwhile.
        const batch = this.items;
        this.items = [];
        this.chars = 0;
        this.freeRoom();
        for (const entry of batch) yield entry;
        continue;
      }
      while (index < this.items.length) yield this.items[index++]!;
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

  private freeRoom(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of waiters) w();
  }
}
