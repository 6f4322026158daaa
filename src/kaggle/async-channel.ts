// A queue that producers push into and one consumer iterates: how watch merges the log
// stream and the status poller into a single ordered event stream. Taking an item costs O(1)
// whatever the backlog (a read index over an array that is compacted now and then; shift()
// would move every queued item on each take). Producers that can wait (the log stream) await
// room() to stay within a bound; the others (status changes, a few) always get in.

/** Queued items at which the array is compacted, once the consumer has taken half of them. */
const COMPACT_AT = 4096;

export class AsyncChannel<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private head = 0;
  private waiter: (() => void) | undefined;
  private roomWaiters: (() => void)[] = [];
  private closed = false;
  private failure: { error: unknown } | undefined;

  /** @param capacity the backlog past which room() waits (default: no bound). */
  constructor(private readonly capacity = Infinity) {}

  /** Items queued and not yet taken. */
  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    if (this.closed || this.failure) return;
    this.items.push(item);
    this.notify();
  }

  /** Resolves once the backlog is under the capacity (or the channel ended). */
  room(): Promise<void> {
    if (this.size < this.capacity || this.closed || this.failure) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    this.notify();
    this.freeRoom();
  }

  /** Ends the iteration with `error` once the queued items are consumed. */
  fail(error: unknown): void {
    this.failure ??= { error };
    this.notify();
    this.freeRoom();
  }

  private notify(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  private freeRoom(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of waiters) w();
  }

  private take(): T {
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined as T; // let it be collected
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= COMPACT_AT && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.roomWaiters.length > 0 && this.size < this.capacity) this.freeRoom();
    return item;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      if (this.size > 0) {
        yield this.take();
        continue;
      }
      if (this.failure) throw this.failure.error;
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }
}
