import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BLOCK_SIZE, compressedPieces, type BlockJob, type PieceOptions } from './block-deflate.js';
import type { PackEntry } from './select-files.js';
import { sortByUtf8 } from './utf8-order.js';
import {
  centralRecord,
  dataDescriptor,
  endOfCentralDirectory,
  localHeader,
  METHOD_DEFLATE,
  METHOD_STORE,
  type WrittenEntry,
} from './zip-format.js';

// Already compressed: deflating them again costs time and gains nothing.
const storedExtensions = new Set(
  [
    'zip', 'gz', 'tgz', 'bz2', 'xz', 'zst', 'lz4', '7z', 'rar', 'whl', 'jar', 'npz',
    'png', 'jpg', 'jpeg', 'gif', 'webp', 'avif', 'heic',
    'mp3', 'mp4', 'm4a', 'ogg', 'flac', 'webm', 'mkv', 'mov', 'avi',
    'pt', 'pth', 'ckpt', 'safetensors', 'bin', 'onnx', 'parquet',
  ].map((e) => `.${e}`),
); // prettier-ignore

/** Whether a file is stored as is rather than deflated, judged by its extension. */
export function isStored(path: string): boolean {
  return storedExtensions.has(extname(path).toLowerCase());
}

/** Output is written in chunks of about this many bytes. */
const WRITE_SIZE = 1024 * 1024;

export interface ZipResult {
  sha256: string;
  zipBytes: number;
}

export interface ZipOptions {
  /** Sizes and offsets above this use ZIP64 fields. Lowered by tests to reach that path. */
  zip64Limit?: number;
  /** Small files at which a worker thread helps deflate them. Tests move it to reach both paths. */
  workerMin?: number;
}

// The most deflate can grow data: 5 bytes per 16 KiB stored block, a sync marker per block.
function worstCaseSize(size: number): number {
  return size + 5 * Math.ceil(size / 16384) + 6 * Math.ceil(size / BLOCK_SIZE) + 64;
}

/** The zip's bytes, in order, from the entries' compressed pieces. */
async function* zipBytes(
  entries: readonly PackEntry[],
  limit: number,
  pieceOptions: PieceOptions,
): AsyncGenerator<Buffer> {
  const jobs: BlockJob[] = entries.map((e) => ({
    path: e.path,
    source: e.source,
    size: e.size,
    method: e.size === 0 || isStored(e.path) ? METHOD_STORE : METHOD_DEFLATE,
  }));
  const written: WrittenEntry[] = [];
  let offset = 0;
  let current: WrittenEntry | undefined;
  for await (const piece of compressedPieces(jobs, pieceOptions)) {
    let bytes: Buffer;
    if (piece.kind === 'start') {
      const job = jobs[piece.index] as BlockJob;
      const entry = entries[piece.index] as PackEntry;
      current = {
        name: Buffer.from(job.path, 'utf8'),
        method: job.method,
        // Only the executable bit survives: umask and ownership never reach the zip.
        mode: entry.executable ? 0o100755 : 0o100644,
        crc: 0,
        compressedSize: 0,
        uncompressedSize: job.size,
        offset,
        zip64Data: worstCaseSize(job.size) > limit,
      };
      bytes = localHeader(current.name, current.method, current.zip64Data);
    } else if (piece.kind === 'data') {
      bytes = piece.data;
      (current as WrittenEntry).compressedSize += bytes.length;
    } else {
      const entry = current as WrittenEntry;
      entry.crc = piece.crc;
      written.push(entry);
      bytes = dataDescriptor(entry);
    }
    offset += bytes.length;
    yield bytes;
  }
  const directory = Buffer.concat(written.map((e) => centralRecord(e, limit)));
  yield directory;
  yield endOfCentralDirectory(written.length, offset, directory.length, limit);
}

/**
 * Writes `entries` as a zip at `outPath` whose bytes depend only on the entries' names,
 * contents and executable bits: names sorted by UTF-8 bytes, fixed times and modes, fixed
 * deflate blocks. Streams throughout (memory stays flat whatever the sizes), hashes the
 * bytes as they are written, and replaces `outPath` only once the zip is complete.
 */
export async function writeDeterministicZip(
  entries: readonly PackEntry[],
  outPath: string,
  options: ZipOptions = {},
): Promise<ZipResult> {
  const sorted = sortByUtf8(entries, (e) => e.path);
  const limit = options.zip64Limit ?? 0xfffffffe;
  const pieceOptions: PieceOptions =
    options.workerMin === undefined ? {} : { workerMin: options.workerMin };
  await mkdir(dirname(outPath), { recursive: true });
  const temp = join(
    dirname(outPath),
    `.${basename(outPath)}.${randomBytes(6).toString('hex')}.tmp`,
  );
  const hash = createHash('sha256');
  let size = 0;
  // Headers and small files' data are tens of bytes to a few KiB each: gathered into large
  // writes, they cost one write (and one hash update) per MiB rather than three per file.
  // A big file's blocks are already large and pass through uncopied.
  async function* hashed(): AsyncGenerator<Buffer> {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const emit = (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
      return chunk;
    };
    const flush = () => {
      const chunk = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
      return emit(chunk);
    };
    for await (const chunk of zipBytes(sorted, limit, pieceOptions)) {
      if (chunk.length >= WRITE_SIZE / 4) {
        if (pendingBytes > 0) yield flush();
        yield emit(chunk);
        continue;
      }
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= WRITE_SIZE) yield flush();
    }
    if (pendingBytes > 0) yield flush();
  }
  try {
    await pipeline(Readable.from(hashed(), { objectMode: false }), createWriteStream(temp));
    await rename(temp, outPath);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return { sha256: hash.digest('hex'), zipBytes: size };
}
