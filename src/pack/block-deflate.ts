import { open, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { UsageError } from '../errors.js';
import { METHOD_DEFLATE } from './zip-format.js';

// Files are cut into fixed blocks that deflate independently on libuv's thread pool, several
// at once, the way pigz does it: zip's one-file-at-a-time deflate is what makes `zip -r`
// slow. Each block is primed with the 32 KiB before it (deflate's window), so the ratio is
// that of one stream; blocks end on a sync flush, so their concatenation is one valid
// deflate stream. Block boundaries sit at fixed offsets: the bytes never depend on timing.
export const BLOCK_SIZE = 1024 * 1024;
const WINDOW = 32 * 1024;
const LEVEL = 6;
/** Blocks deflating at once, at most: bounds memory to a few MiB whatever the project. */
const IN_FLIGHT = 16;

const deflateRaw = promisify(zlib.deflateRaw);

export interface BlockJob {
  /** The entry's name, for error messages. */
  path: string;
  /** The file to read. */
  source: string;
  /** The size listed; a file that no longer has it changed while being packed. */
  size: number;
  method: number;
}

/** What the writer consumes, in zip order: an entry's start, its data, its end. */
export type Piece =
  | { kind: 'start'; index: number }
  | { kind: 'data'; data: Buffer }
  | { kind: 'end'; index: number; crc: number };

function readError(error: unknown, path: string): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') {
    return new UsageError(`cannot read ${path}: permission denied`, {
      hint: 'make it readable, or leave it out with .kaggleignore or exclude',
    });
  }
  if (code === 'ENOENT') return changedError(path);
  return error instanceof Error ? error : new Error(String(error));
}

function changedError(path: string): UsageError {
  return new UsageError(`${path} changed while it was being packed`, {
    hint: 'pack again once nothing is writing into the project folder',
  });
}

async function readBlock(file: FileHandle, job: BlockJob, position: number): Promise<Buffer> {
  const length = Math.min(BLOCK_SIZE, job.size - position);
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await file.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) throw changedError(job.path); // shrank
    filled += bytesRead;
  }
  return buffer;
}

function compressBlock(block: Buffer, previous: Buffer | undefined, last: boolean) {
  const options: zlib.ZlibOptions = {
    level: LEVEL,
    finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
  };
  if (previous !== undefined) options.dictionary = previous.subarray(-WINDOW);
  return deflateRaw(block, options);
}

/**
 * Reads the jobs' files in order and yields their pieces in order, with up to IN_FLIGHT
 * blocks deflating ahead of the consumer.
 */
export async function* compressedPieces(jobs: readonly BlockJob[]): AsyncGenerator<Piece> {
  const queue: Promise<Piece>[] = [];
  let inFlight = 0;
  const take = async (): Promise<Piece> => {
    const piece = await (queue.shift() as Promise<Piece>);
    if (piece.kind === 'data') inFlight--;
    return piece;
  };
  for (const [index, job] of jobs.entries()) {
    queue.push(Promise.resolve({ kind: 'start', index }));
    let crc = 0;
    if (job.size > 0) {
      let file: FileHandle;
      try {
        file = await open(job.source, 'r');
      } catch (error) {
        throw readError(error, job.path);
      }
      try {
        let previous: Buffer | undefined;
        for (let position = 0; position < job.size; position += BLOCK_SIZE) {
          const block = await readBlock(file, job, position).catch((e: unknown) => {
            throw readError(e, job.path);
          });
          crc = zlib.crc32(block, crc);
          const last = position + block.length >= job.size;
          const data =
            job.method === METHOD_DEFLATE
              ? compressBlock(block, previous, last)
              : Promise.resolve(block);
          const piece = data.then((d): Piece => ({ kind: 'data', data: d }));
          // Awaited in order by take(); this only keeps a failure from going unhandled when
          // the consumer has stopped before reaching it.
          piece.catch(() => undefined);
          queue.push(piece);
          inFlight++;
          previous = block;
          while (inFlight >= IN_FLIGHT) yield await take();
        }
        // A file that grew since it was listed would be cut short without this check.
        const { bytesRead } = await file.read(Buffer.alloc(1), 0, 1, job.size);
        if (bytesRead !== 0) throw changedError(job.path);
      } finally {
        await file.close();
      }
    }
    queue.push(Promise.resolve({ kind: 'end', index, crc }));
  }
  while (queue.length > 0) yield await take();
}
