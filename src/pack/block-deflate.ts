import { open, type FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { UsageError, asError } from '../errors.js';
import { LEVEL, packSmall, SMALL_FILE, type SmallOutcome } from './small-files.js';
import { SmallFileWorker } from './small-worker.js';
import { looksIncompressible, storedBlocks } from './stored-blocks.js';
import { METHOD_DEFLATE } from './zip-format.js';

// Files are cut into fixed blocks that deflate independently on libuv's thread pool, several
// at once, the way pigz does it: zip's one-file-at-a-time deflate is what makes `zip -r`
// slow. Each block is primed with the 32 KiB before it (deflate's window), so the ratio is
// that of one stream; blocks end on a sync flush, so their concatenation is one valid
// deflate stream. Block boundaries sit at fixed offsets: the bytes never depend on timing.
export const BLOCK_SIZE = 1024 * 1024;
const WINDOW = 32 * 1024;
/** Blocks deflating at once, at most: bounds memory to a few MiB whatever the project. */
const IN_FLIGHT = 16;
/** Input bytes read but not yet handed to the consumer, at most. */
const BUDGET = IN_FLIGHT * BLOCK_SIZE;
// Small files (small-files.ts) go in batches, each packed in one call: alternately by a
// worker thread and by this one, so that a source tree keeps two cores busy.
const BATCH_BYTES = 256 * 1024;
const BATCH_FILES = 64;
/** Batches the worker holds at once: one being packed, one waiting, none idle. */
const WORKER_QUEUE = 2;
/** Small files below which starting a worker thread costs more than it saves. */
const WORKER_MIN = 256;
/** What a queued small file counts against BUDGET at least, so that tiny files stay bounded. */
const PIECE_COST = 1024;
/** Pieces waiting at most, whatever their bytes: each holds promises and closures. */
const MAX_PIECES = 3 * 256;

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
  return asError(error);
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

function isSmall(job: BlockJob): boolean {
  return job.size > 0 && job.size <= SMALL_FILE;
}

/** A small file's outcome as its data and crc, or the error the block path would raise. */
function settle(outcome: SmallOutcome | undefined, job: BlockJob): { data: Buffer; crc: number } {
  if (outcome === undefined) throw new Error(`no outcome for ${job.path}`);
  if (outcome.ok) {
    const { data } = outcome;
    return { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), crc: outcome.crc };
  }
  if (outcome.changed) throw changedError(job.path);
  throw readError(Object.assign(new Error(outcome.message), { code: outcome.code }), job.path);
}

export interface PieceOptions {
  /** Small files at which a worker thread joins in. Tests move it to reach either path. */
  workerMin?: number;
}

function compressBlock(block: Buffer, previous: Buffer | undefined, last: boolean) {
  if (looksIncompressible(block)) return Promise.resolve(storedBlocks(block, last));
  const options: zlib.ZlibOptions = {
    level: LEVEL,
    finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
  };
  if (previous !== undefined) options.dictionary = previous.subarray(-WINDOW);
  return deflateRaw(block, options);
}

/**
 * Reads the jobs' files in order and yields their pieces in order, with up to BUDGET input
 * bytes (IN_FLIGHT blocks of big files, or many small files) read ahead of the consumer.
 */
export async function* compressedPieces(
  jobs: readonly BlockJob[],
  options: PieceOptions = {},
): AsyncGenerator<Piece> {
  // A queue read from `head`: thousands of small files' pieces can wait in it, and
  // Array#shift copies the rest of the array on every call. Taken slots are cleared at once,
  // or their buffers would live until the next compaction.
  type Queued = { piece: Promise<Piece>; cost: number } | undefined;
  let queue: Queued[] = [];
  let head = 0;
  let queuedCost = 0;
  const push = (piece: Promise<Piece>, cost: number) => {
    // Awaited in order by take(); this only keeps a failure from going unhandled when the
    // consumer has stopped before reaching it.
    piece.catch(() => undefined);
    queue.push({ piece, cost });
    queuedCost += cost;
  };
  const take = async (): Promise<Piece> => {
    const { piece, cost } = queue[head] as NonNullable<Queued>;
    queue[head++] = undefined;
    queuedCost -= cost;
    if (head >= 1024 && head * 2 >= queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    return piece;
  };
  const smallFiles = jobs.filter(isSmall).length;
  const worker =
    availableParallelism() > 1 && smallFiles >= (options.workerMin ?? WORKER_MIN)
      ? new SmallFileWorker()
      : undefined;
  try {
    let index = 0;
    while (index < jobs.length) {
      if (isSmall(jobs[index] as BlockJob)) {
        const batch: number[] = [];
        let bytes = 0;
        for (; index < jobs.length && batch.length < BATCH_FILES && bytes < BATCH_BYTES; index++) {
          const job = jobs[index] as BlockJob;
          if (!isSmall(job)) break;
          batch.push(index);
          bytes += job.size;
        }
        const smallJobs = batch.map((i) => {
          const job = jobs[i] as BlockJob;
          return { source: job.source, size: job.size, deflate: job.method === METHOD_DEFLATE };
        });
        let outcomes: Promise<SmallOutcome[]>;
        if (worker !== undefined && worker.pending < WORKER_QUEUE) {
          outcomes = worker.run(smallJobs);
        } else {
          outcomes = Promise.resolve(smallJobs.map(packSmall));
          // Lets the worker's answers (and anything else waiting on the event loop) in.
          await nextTurn();
        }
        for (const [k, i] of batch.entries()) {
          const job = jobs[i] as BlockJob;
          const settled = outcomes.then((all) => settle(all[k], job));
          push(Promise.resolve({ kind: 'start', index: i }), 0);
          push(
            settled.then(({ data }): Piece => ({ kind: 'data', data })),
            Math.max(PIECE_COST, job.size),
          );
          push(
            settled.then(({ crc }): Piece => ({ kind: 'end', index: i, crc })),
            0,
          );
        }
        while (queuedCost >= BUDGET || queue.length - head >= MAX_PIECES) yield await take();
        continue;
      }
      const job = jobs[index] as BlockJob;
      push(Promise.resolve({ kind: 'start', index }), 0);
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
            push(
              data.then((d): Piece => ({ kind: 'data', data: d })),
              block.length,
            );
            previous = block;
            while (queuedCost >= BUDGET) yield await take();
          }
          // A file that grew since it was listed would be cut short without this check.
          const { bytesRead } = await file.read(Buffer.alloc(1), 0, 1, job.size);
          if (bytesRead !== 0) throw changedError(job.path);
        } finally {
          await file.close();
        }
      }
      push(Promise.resolve({ kind: 'end', index, crc }), 0);
      index++;
    }
    while (head < queue.length) yield await take();
  } finally {
    await worker?.close();
  }
}
