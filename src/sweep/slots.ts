// Session slots: how many of a sweep's points may hold a platform session at once. A point
// takes a slot just before its push and gives it back as soon as its session ends (before
// its outputs are fetched), so the next point, already packed, pushes at once. The limit
// can drop (a cap learned from a refusal); slots held over it are simply not replaced.

/** Thrown to a waiter when the sweep stops (--fail-fast, Ctrl-C) before its turn came. */
export class SlotsClosedError extends Error {}

export class Slots {
  private held = 0;
  private closed = false;
  private readonly queue: { grant: () => void; fail: (error: Error) => void }[] = [];
  private readonly freed = new Set<() => void>();

  constructor(private limitValue: number) {}

  get limit(): number {
    return this.limitValue;
  }

  set limit(value: number) {
    this.limitValue = Math.max(1, value);
    this.pump();
  }

  /** Resolves with a release function (idempotent) once a slot is free. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    return new Promise((resolve, reject) => {
      const grant = () => {
        this.held += 1;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.held -= 1;
          for (const wake of [...this.freed]) wake();
          this.pump();
        });
      };
      if (this.closed) return reject(new SlotsClosedError('the sweep is stopping'));
      this.queue.push({ grant, fail: reject });
      signal?.addEventListener('abort', () => this.close(), { once: true });
      this.pump();
    });
  }

  /** Sleeps `ms`, or less when a slot is given back meanwhile (a session may have freed). */
  waitForFree(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.freed.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.freed.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Fails every waiter and every later acquire. */
  close(): void {
    this.closed = true;
    for (const waiter of this.queue.splice(0)) {
      waiter.fail(new SlotsClosedError('the sweep is stopping'));
    }
  }

  private pump(): void {
    while (!this.closed && this.held < this.limitValue && this.queue.length > 0) {
      this.queue.shift()!.grant();
    }
  }
}
