// Small files are read whole and deflated in one synchronous call each: a source tree is
// thousands of files of a few KiB, and a thread-pool round trip per open, read, close and
// deflate cost several times the work itself (10,000 such files took 7 s that way, 2 s
// inline). Used on the main thread and in small-files-worker.ts, so it never throws for a
// file it cannot read: it says why, and the caller raises the error (worker threads cannot
// pass error classes back).
import { closeSync, openSync, readSync } from 'node:fs';
import zlib from 'node:zlib';
import { looksIncompressible, storedBlocks } from './stored-blocks.js';

/** Files up to this size take this path; bigger ones are cut into blocks. */
export const SMALL_FILE = 64 * 1024;
/**
 * zlib's level 5 gives archives no bigger than Info-ZIP's default (`zip -6`, what `zip -r`
 * writes; both in the pack-speed bench) for two thirds of zlib level 6's CPU time: level 6
 * of this zlib compresses a little better than Info-ZIP's 6 and pays for it on text.
 */
export const LEVEL = 5;

export interface SmallJob {
  source: string;
  /** The size listed; a file that no longer has it changed while being packed. */
  size: number;
  deflate: boolean;
}

export type SmallOutcome =
  | { ok: true; data: Uint8Array; crc: number }
  /** `changed`: the size differs from the one listed; otherwise the read failed with `code`. */
  | { ok: false; changed: boolean; code: string | undefined; message: string };

function failure(error: unknown): SmallOutcome {
  const { code, message } = error as NodeJS.ErrnoException;
  return { ok: false, changed: false, code, message: String(message) };
}

function readWhole(job: SmallJob): Buffer | SmallOutcome {
  let fd: number;
  try {
    fd = openSync(job.source, 'r');
  } catch (error) {
    return failure(error);
  }
  try {
    // One byte more than listed: reading it means the file grew since it was listed.
    const buffer = Buffer.allocUnsafe(job.size + 1);
    let filled = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0 || (filled += bytesRead) > job.size) break;
    }
    if (filled !== job.size) return { ok: false, changed: true, code: undefined, message: '' };
    return buffer.subarray(0, job.size);
  } catch (error) {
    return failure(error);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads and packs one small file. The deflate output is what the block path gives a file of
 * one block: one raw stream at LEVEL, finished, no dictionary (or stored blocks, when the
 * bytes look incompressible).
 */
export function packSmall(job: SmallJob): SmallOutcome {
  const read = readWhole(job);
  if (!Buffer.isBuffer(read)) return read;
  const crc = zlib.crc32(read);
  let data: Uint8Array = read;
  if (job.deflate) {
    data = looksIncompressible(read)
      ? storedBlocks(read, true)
      : zlib.deflateRawSync(read, { level: LEVEL });
  }
  // A copy of exactly its size: zlib hands back a view of a 16 KiB buffer, and a small read a
  // view of a shared slab; thousands of those waiting in the queue (or cloned whole on their
  // way back from the worker) would hold many times their bytes.
  return { ok: true, data: new Uint8Array(data), crc };
}
