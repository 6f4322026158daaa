// Session slots: how many of a sweep's points may hold a platform session at once. A point
// takes a slot just before its push and gives it back as soon as its session ends (before
// its outputs are fetched), so the next point, already packed, pushes at once. The limit
// can drop (a cap learned from a refusal); slots held over it are simply not replaced.

/** Thrown to a waiter when the sweep stops (--fail-fast, Ctrl-C) before its turn came. */
export class SlotsClosedError extends Error {}

export class Slots {
  private held = 0;
  private closed = false;
  private readonly queue: { grant: () => void; fail: (error: Error) => void; order: number }[] = [];
  /** Points launched that have neither had a slot nor withdrawn: turns go in this order. */
  private readonly waiting = new Set<number>();
  private readonly freed = new Set<() => void>();

  constructor(private limitValue: number) {}

  get limit(): number {
    return this.limitValue;
  }

  set limit(value: number) {
    this.limitValue = Math.max(1, value);
    this.pump();
  }

  /** A point enters the line; its turn comes after every point that entered before it. */
  enlist(order: number): void {
    this.waiting.add(order);
  }

  /** A point leaves the line without a slot (it failed, or attached without one). */
  withdraw(order: number): void {
    if (this.waiting.delete(order)) this.pump();
  }

  /**
   * Resolves with a release function (idempotent) once a slot is free and every point
   * enlisted before `order` has had its turn: points packed ahead run in sweep order, however
   * fast each one packed.
   */
  acquire(signal?: AbortSignal, order = Number.MAX_SAFE_INTEGER): Promise<() => void> {
    return new Promise((resolve, reject) => {
      // Removed once the slot is granted: a long sweep must not pile listeners on its signal.
      const onAbort = () => this.close();
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
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
      this.queue.push({ grant, fail: reject, order });
      this.queue.sort((a, b) => a.order - b.order);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pump();
    });
  }

  /** Sleeps `ms`, or less when a slot is given back meanwhile (a session may have freed). */
  waitForFree(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.freed.delete(done);
        signal?.removeEventListener('abort', done);
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
      const head = this.queue[0]!;
      if ([...this.waiting].some((order) => order < head.order)) return;
      this.queue.shift();
      this.waiting.delete(head.order);
      head.grant();
    }
  }
}
