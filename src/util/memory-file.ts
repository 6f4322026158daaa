// A file that is gathered in memory and written to disk in one go when it is closed, by the
// file-writing thread (background-writes.ts). For small downloads: each asynchronous file
// operation is a round trip through libuv's thread pool, and for a 50 KB output the open,
// write and close cost more CPU that way than the bytes did (2,000 small files: about twice
// the CPU of plain calls); on the main thread the file's creation stalled other downloads.
// It is the download's file and its sink at once (appends, truncate, stat, close), with a
// FileHandle's meaning: after close() the file on disk holds what was added.

import type { ChunkSink } from './batched-writer.js';
import { writeInBackground } from './background-writes.js';

/**
 * Downloads at most this big (by the size they should have) are gathered in memory and
 * written when done: a fetch of many small outputs then spends its CPU on the bytes.
 */
export const IN_MEMORY_FILE_BYTES = 1024 * 1024;

/** Whether a download that may have at most `maxBytes` is gathered in a MemoryFile. */
export function keptInMemory(maxBytes: number | undefined): boolean {
  return maxBytes !== undefined && maxBytes <= IN_MEMORY_FILE_BYTES;
}

export class MemoryFile implements ChunkSink {
  private bytes: Buffer;
  private size = 0;
  private closed = false;

  /** `capacity`: the size the file should have, so its bytes are copied once, into place. */
  constructor(
    private readonly path: string,
    capacity: number,
  ) {
    this.bytes = Buffer.allocUnsafeSlow(capacity); // memory of its own, handed over on close
  }

  get position(): number {
    return this.size;
  }

  /** Appends a copy of the chunk (it may be a view of a buffer that is reused). */
  add(chunk: Buffer): undefined {
    const needed = this.size + chunk.length;
    if (needed > this.bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(needed, 2 * this.bytes.length));
      this.bytes.copy(grown, 0, 0, this.size);
      this.bytes = grown;
    }
    chunk.copy(this.bytes, this.size);
    this.size = needed;
    return undefined;
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  truncate(length: number): Promise<void> {
    if (length !== 0) return Promise.reject(new Error('MemoryFile: only truncate(0)'));
    this.size = 0;
    return Promise.resolve();
  }

  stat(): Promise<{ size: number }> {
    return Promise.resolve({ size: this.size });
  }

  /** Writes the file (created or emptied, as open 'w' would) and lets the memory go. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const bytes = this.bytes.subarray(0, this.size);
    this.bytes = Buffer.alloc(0);
    return writeInBackground(this.path, bytes);
  }
}
