import { Worker } from 'node:worker_threads';
import type { BatchRequest, StopRequest } from './small-files-worker.js';
import type { SmallJob, SmallOutcome } from './small-files.js';

/** How long a closing thread may take to answer the batches it holds. */
const STOP_GRACE_MS = 60_000;

interface Waiting {
  resolve: (outcomes: SmallOutcome[]) => void;
  reject: (error: Error) => void;
}

/** One worker thread packing batches of small files, answered in the order they were sent. */
export class SmallFileWorker {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  private failed: Error | undefined;
  private readonly exited: Promise<unknown>;

  constructor() {
    this.worker = new Worker(new URL('./small-files-worker.js', import.meta.url));
    this.exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.on('message', ({ id, outcomes }: { id: number; outcomes: SmallOutcome[] }) => {
      const waiting = this.waiting.get(id);
      this.waiting.delete(id);
      waiting?.resolve(outcomes);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`pack worker exited (${code})`)));
  }

  private fail(error: Error): void {
    this.failed ??= error;
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
  }

  /** Batches sent and not answered yet. */
  get pending(): number {
    return this.waiting.size;
  }

  run(jobs: SmallJob[]): Promise<SmallOutcome[]> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    const id = this.nextId++;
    const request: BatchRequest = { id, jobs };
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage(request);
    });
  }

  /**
   * Ends the thread once it has answered the batches it holds (two at most, each a few MiB),
   * so that a pack that fails part-way never terminates it inside a zlib call, which aborts
   * the process. Answers that come after a failure are dropped.
   */
  async close(): Promise<void> {
    this.failed ??= new Error('pack worker closed');
    const stop: StopRequest = { stop: true };
    this.worker.postMessage(stop);
    // A thread stuck reading a file (a hung network mount) is cut off all the same.
    const stuck = setTimeout(() => void this.worker.terminate(), STOP_GRACE_MS);
    try {
      await this.exited;
    } finally {
      clearTimeout(stuck);
    }
  }
}
