// Writes a stream of chunks to a file at increasing offsets, gathered into batches: one
// write per few socket reads rather than per read, with writes in flight while the next
// batch fills, so neither the network nor the disk waits on the other. Chunks are copied into
// the writer's own batch buffers, which are reused: the chunk may be a view of a socket's
// read buffer (file-get.ts), and a 512 MiB download then allocates two batches, not 8,000
// read buffers for the garbage collector.

/** What the writer needs of a file: positional writes (a FileHandle). */
export interface PositionalFile {
  write(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesWritten: number }>;
}

/**
 * Writes all of `bytes` at `position`: a short write (rare: a signal, a full disk on the way)
 * goes on from where it stopped.
 */
export async function writeAllAt(
  file: PositionalFile,
  bytes: Buffer,
  position: number,
): Promise<void> {
  for (let done = 0; done < bytes.length;) {
    done += (await file.write(bytes, done, bytes.length - done, position + done)).bytesWritten;
  }
}

/**
 * Where a download's bytes go, a chunk at a time (BatchedWriter, or a MemoryFile). `add`
 * takes what it keeps of the chunk before it returns; a promise back means "wait for me".
 */
export interface ChunkSink {
  /** The offset after every chunk added so far. */
  readonly position: number;
  add(chunk: Buffer): Promise<void> | undefined;
  /** Resolves when everything added is in the file; rejects when a write failed. */
  flush(): Promise<void>;
}

/**
 * 256 KiB: 4 MiB batches made a 105 MB upload to the server take 0.21-0.49 s against
 * 0.11-0.25 s (bench/upload-speed): while a big write is in flight the socket is not read,
 * and its window closes.
 */
export const DEFAULT_WRITE_BATCH_BYTES = 256 * 1024;
/** Batches filled or in flight at once. */
const BATCHES = 3;

export class BatchedWriter implements ChunkSink {
  private current: Buffer | undefined;
  private filled = 0;
  private readonly free: Buffer[] = [];
  private made = 0;
  /** The chain of writes, in order; a failure stays on it. */
  private writes: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  /** Resolves when a batch comes back from the disk (or a write fails). */
  private batchBack: (() => void) | undefined;
  /**
   * Where the rest of a chunk waits while every batch is taken: one buffer, reused, since
   * the next chunk comes only once the wait is over (a fresh copy each time cost a 512 MiB
   * download 0.15 s of page faults).
   */
  private overflow: Buffer | undefined;
  private end: number;

  constructor(
    private readonly file: PositionalFile,
    offset: number,
    private readonly limit = DEFAULT_WRITE_BATCH_BYTES,
  ) {
    this.end = offset;
  }

  get position(): number {
    return this.end;
  }

  /**
   * Copies the chunk into batches, starting a write for each one filled. When every batch is
   * taken the rest is copied aside and the promise back resolves once it has a batch; the
   * next add() waits for that promise (the ChunkSink contract).
   */
  add(chunk: Buffer): Promise<void> | undefined {
    let at = 0;
    while (at < chunk.length) {
      const batch = this.current ?? this.takeBatch();
      if (batch === undefined) {
        const rest = this.setAside(chunk.subarray(at)); // the chunk is not ours after we return
        return this.batchReturned().then(() => this.add(rest));
      }
      this.current = batch;
      const take = Math.min(this.limit - this.filled, chunk.length - at);
      chunk.copy(batch, this.filled, at, at + take);
      this.filled += take;
      this.end += take;
      at += take;
      if (this.filled === this.limit) this.startWrite();
    }
    return undefined;
  }

  /** A copy of `rest` in the overflow buffer, grown when it is too small. */
  private setAside(rest: Buffer): Buffer {
    if (this.overflow === undefined || this.overflow.length < rest.length) {
      this.overflow = Buffer.allocUnsafe(Math.max(rest.length, this.limit));
    }
    rest.copy(this.overflow);
    return this.overflow.subarray(0, rest.length);
  }

  async flush(): Promise<void> {
    this.startWrite();
    await this.writes;
  }

  private takeBatch(): Buffer | undefined {
    const batch = this.free.pop();
    if (batch !== undefined) return batch;
    if (this.made === BATCHES) return undefined;
    this.made++;
    return Buffer.allocUnsafe(this.limit);
  }

  /** Waits for a batch to come back; a failed write rejects here. */
  private async batchReturned(): Promise<void> {
    if (this.failure === undefined) {
      await new Promise<void>((resolve) => (this.batchBack = resolve));
    }
    if (this.failure !== undefined) throw this.failure.error;
  }

  private startWrite(): void {
    const batch = this.current;
    const length = this.filled;
    if (batch === undefined || length === 0) return;
    const at = this.end - length;
    this.current = undefined;
    this.filled = 0;
    this.writes = this.writes.then(async () => {
      await writeAllAt(this.file, batch.subarray(0, length), at);
      this.free.push(batch);
    });
    this.writes.then(
      () => this.wake(),
      (error: unknown) => {
        this.failure ??= { error };
        this.wake();
      },
    );
  }

  private wake(): void {
    const back = this.batchBack;
    this.batchBack = undefined;
    back?.();
  }
}
