import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { writeAllAt } from './batched-writer.js';
import { forEachFileChunk } from './file-chunks.js';

/** Reads of a file being hashed or copied: few calls, and buffers reused (file-chunks.ts). */
const CHUNK_BYTES = 1024 * 1024;

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Hashes a file a chunk at a time, so memory stays flat whatever its size: its first `size`
 * bytes when the size is known (the buffer then no bigger than the file), else all of it.
 * Gives the hash, to digest in the encoding the caller needs, and the bytes read.
 */
export async function hashFile(
  path: string,
  algorithm: 'sha256' | 'md5',
  size?: number,
): Promise<{ hash: Hash; size: number }> {
  const hash = createHash(algorithm);
  const read = await forEachFileChunk(
    path,
    0,
    size ?? Infinity,
    (piece) => void hash.update(piece),
    {
      bufferBytes: Math.max(1, Math.min(size ?? CHUNK_BYTES, CHUNK_BYTES)),
      buffers: 1,
    },
  );
  return { hash, size: read };
}

/** The hex SHA-256 and size of a whole file. */
export async function sha256File(path: string): Promise<{ sha256: string; size: number }> {
  const { hash, size } = await hashFile(path, 'sha256');
  return { sha256: hash.digest('hex'), size };
}

/**
 * Copies `source` to `dest` (created or emptied), hashing the bytes as they pass: one read of
 * the source instead of a copy and then a second read to hash what it wrote. At most
 * `maxBytes + 1` bytes are copied, so a source bigger than it should be shows in the size
 * without copying all of it.
 */
export async function copyHashed(
  source: string,
  dest: string,
  maxBytes = Infinity,
): Promise<{ sha256: string; size: number }> {
  const out = await open(dest, 'w');
  try {
    const hash = createHash('sha256');
    let at = 0;
    const size = await forEachFileChunk(
      source,
      0,
      maxBytes + 1,
      (piece) => {
        hash.update(piece);
        const position = at;
        at += piece.length;
        return writeAllAt(out, piece, position);
      },
      { bufferBytes: CHUNK_BYTES, buffers: 3 },
    );
    return { sha256: hash.digest('hex'), size };
  } finally {
    await out.close();
  }
}
