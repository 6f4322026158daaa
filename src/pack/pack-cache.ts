// Reuses the last zip when nothing changed: the zip of a selection is a pure function of
// its entries' names, bytes and exec bits, so when every entry has the same path, size,
// exec bit and stamp (inode, mtime, ctime) as when a cached zip was made, that zip is the
// answer, without reading a byte. ctime cannot be set back by tools that restore mtimes,
// so an edit is always noticed, whatever the editor does with mtime.

import { createHash } from 'node:crypto';
import { copyFile, link, mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeJsonAtomic } from '../util/atomic-write.js';
import type { PackEntry } from './select-files.js';

/** Zips kept: the current one and a couple before it (a sweep's points, a quick revert). */
const KEEP = 3;

export interface CachedPack {
  codeHash: string;
  zipBytes: number;
}

export function packFingerprint(entries: readonly PackEntry[]): string {
  const hash = createHash('sha256');
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const e of sorted) {
    hash.update(`${e.path}\0${e.size}\0${e.executable ? 1 : 0}\0${e.stamp}\n`);
  }
  return hash.digest('hex');
}

/** Puts the cached zip at `outPath` (a hard link, else a copy); undefined on a miss. */
export async function reusePack(
  cacheDir: string,
  fingerprint: string,
  outPath: string,
): Promise<CachedPack | undefined> {
  const zip = join(cacheDir, `${fingerprint}.zip`);
  try {
    const meta = JSON.parse(
      await readFile(join(cacheDir, `${fingerprint}.json`), 'utf8'),
    ) as CachedPack;
    if ((await stat(zip)).size !== meta.zipBytes) return undefined;
    await placeAtomically(zip, outPath);
    return meta;
  } catch {
    return undefined;
  }
}

/** Keeps the zip just written for the next run; a failure only costs the next run a pack. */
export async function rememberPack(
  cacheDir: string,
  fingerprint: string,
  zipPath: string,
  meta: CachedPack,
): Promise<void> {
  try {
    await mkdir(cacheDir, { recursive: true });
    await placeAtomically(zipPath, join(cacheDir, `${fingerprint}.zip`));
    await writeJsonAtomic(join(cacheDir, `${fingerprint}.json`), meta);
    await prune(cacheDir);
  } catch {
    // The cache is an optimisation: a read-only or full disk must not fail the run.
  }
}

async function placeAtomically(from: string, to: string): Promise<void> {
  const temp = join(dirname(to), `.${basename(to)}.${process.pid}.tmp`);
  await rm(temp, { force: true });
  await link(from, temp).catch(() => copyFile(from, temp));
  await rename(temp, to);
}

async function prune(cacheDir: string): Promise<void> {
  const zips = (await readdir(cacheDir)).filter((name) => name.endsWith('.zip'));
  if (zips.length <= KEEP) return;
  const aged = await Promise.all(
    zips.map(async (name) => ({ name, mtimeMs: (await stat(join(cacheDir, name))).mtimeMs })),
  );
  aged.sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const { name } of aged.slice(KEEP)) {
    await rm(join(cacheDir, name), { force: true });
    await rm(join(cacheDir, name.replace(/\.zip$/, '.json')), { force: true });
  }
}
