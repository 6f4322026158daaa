// Generated projects for bench scripts: many small source files, compressible CSVs and
// incompressible blobs, from a seeded generator so every run of a bench packs the same kind
// of content (the blobs are random bytes: only their sizes repeat).

import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const words = ['model', 'loss', 'epoch', 'tensor', 'batch', 'self', 'return', 'import', 'def'];

export interface ProjectShape {
  seed: number;
  /** Python files under src/pkg<i % folders>/, each minBytes..maxBytes (uniform). */
  sources: { count: number; minBytes: number; maxBytes: number; folders: number };
  /** Sizes of data/table_<i>.csv, in bytes. */
  csvBytes: number[];
  /** Sizes of blobs/blob_<i>.dat (random bytes, deflated as zip does), in bytes. */
  blobBytes: number[];
  /** Size of weights/model.pt (random bytes, stored as already compressed), in bytes. */
  weightsBytes: number;
}

/**
 * A project of `files` files and about `totalBytes`: 10 CSVs with 40% of the bytes, 9 blobs
 * and a weights file with 30%, and every other file a small source file, together the
 * remaining 30%.
 */
export function shapeFor(files: number, totalBytes: number): ProjectShape {
  const csvs = 10;
  const blobs = 9;
  const count = files - csvs - blobs - 1;
  if (count < 1) throw new Error(`shapeFor: ${files} files leave no room for source files`);
  const average = (totalBytes * 0.3) / count;
  const minBytes = Math.max(100, Math.floor(average / 6));
  const large = Math.floor((totalBytes * 0.3) / (blobs + 1));
  return {
    seed: 42,
    sources: { count, minBytes, maxBytes: Math.floor(2 * average) - minBytes, folders: 100 },
    csvBytes: Array.from({ length: csvs }, () => Math.floor((totalBytes * 0.4) / csvs)),
    blobBytes: Array.from({ length: blobs }, () => large),
    weightsBytes: large,
  };
}

/** A small seeded generator (an LCG): the same seed gives the same sequence. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function sourceText(rand: () => number, bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    const n = 3 + Math.floor(rand() * 8);
    const line = `    ${Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]).join(' ')} = ${Math.floor(rand() * 1e6)}`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

export function csvText(rand: () => number, bytes: number): string {
  const rows: string[] = [];
  let size = 0;
  while (size < bytes) {
    const row = `${Math.floor(rand() * 1e5)},${rand().toFixed(6)},${rand() < 0.5 ? 'cat' : 'dog'},${Math.floor(rand() * 10)}`;
    rows.push(row);
    size += row.length + 1;
  }
  return `${rows.join('\n')}\n`;
}

export async function put(root: string, path: string, data: string | Buffer): Promise<number> {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), data);
  return Buffer.byteLength(data);
}

/** Writes the project under `root`; returns how many files and bytes it wrote. */
export async function generateProject(
  root: string,
  shape: ProjectShape,
): Promise<{ files: number; bytes: number }> {
  const rand = prng(shape.seed);
  const { count, minBytes, maxBytes, folders } = shape.sources;
  let bytes = 0;
  let files = 0;
  for (let i = 0; i < count; i++) {
    const path = `src/pkg${i % folders}/module_${i}.py`;
    const size = minBytes + Math.floor(rand() * (maxBytes - minBytes));
    bytes += await put(root, path, sourceText(rand, size));
    files++;
  }
  for (const [i, size] of shape.csvBytes.entries()) {
    bytes += await put(root, `data/table_${i}.csv`, csvText(rand, size));
    files++;
  }
  for (const [i, size] of shape.blobBytes.entries()) {
    bytes += await put(root, `blobs/blob_${i}.dat`, randomBytes(size));
    files++;
  }
  bytes += await put(root, 'weights/model.pt', randomBytes(shape.weightsBytes));
  return { files: files + 1, bytes };
}
