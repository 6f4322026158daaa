// The files of one `data:` entry (a file or a folder) and their content hash: sha256 over
// each file's name, size and sha256, in name order. Hashes of files whose size and mtime
// match the cache are reused, so an unchanged 200 MB folder is not read again.

import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { fileSecretReason } from '../pack/secret-content.js';
import { listRegularFiles } from '../platform/local/list-files.js';
import { sha256File } from '../util/hash.js';
import type { CachedFile } from './shipping-cache.js';

export interface DataFile extends CachedFile {
  /** Absolute path on this machine. */
  localPath: string;
}

export interface DataFiles {
  files: DataFile[];
  contentHash: string;
  totalBytes: number;
  /** Files left out because they look like secrets. */
  excluded: { path: string; reason: string }[];
}

/**
 * The files of an entry the spec marks optional, or undefined when it is absent or holds no
 * file (then nothing is attached and the program finds no `input/<slug>/`).
 */
export async function collectOptionalDataFiles(
  root: string,
  mapping: { path: string; optional?: boolean | undefined },
  cached: readonly CachedFile[] = [],
): Promise<DataFiles | undefined> {
  if (mapping.optional === true) {
    const full = resolve(root, mapping.path);
    const info = await stat(full).catch(() => undefined);
    if (info === undefined) return undefined;
    if (info.isDirectory() && (await listRegularFiles(full)).length === 0) return undefined;
  }
  return collectDataFiles(root, mapping.path, cached);
}

/** A file ships under its own name; a folder's files under their paths inside it. */
export async function collectDataFiles(
  root: string,
  path: string,
  cached: readonly CachedFile[] = [],
): Promise<DataFiles> {
  const full = resolve(root, path);
  const info = await stat(full);
  const listed = info.isDirectory()
    ? await listRegularFiles(full)
    : [{ path: basename(full), absolute: full }];
  const known = new Map(cached.map((f) => [f.name, f]));
  const files: DataFile[] = [];
  const excluded: DataFiles['excluded'] = [];
  for (const entry of listed) {
    const s = await stat(entry.absolute);
    const rel = info.isDirectory() ? `${path}/${entry.path}` : path;
    const reason = await fileSecretReason(rel, entry.absolute, s.size);
    if (reason !== undefined) {
      excluded.push({ path: `${path}/${entry.path}`, reason });
      continue;
    }
    const hit = known.get(entry.path);
    const sha256 =
      hit !== undefined && hit.size === s.size && hit.mtimeMs === s.mtimeMs
        ? hit.sha256
        : (await sha256File(entry.absolute)).sha256;
    files.push({
      name: entry.path,
      localPath: entry.absolute,
      size: s.size,
      mtimeMs: s.mtimeMs,
      sha256,
    });
  }
  if (files.length === 0) {
    throw new UsageError(`data: ${path} has no file to ship`, {
      hint: 'point it at a file, or a folder with files in it',
    });
  }
  return {
    files,
    contentHash: contentHashOf(files),
    totalBytes: files.reduce((sum, f) => sum + f.size, 0),
    excluded,
  };
}

export function contentHashOf(files: readonly { name: string; size: number; sha256: string }[]) {
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    hash.update(`${f.name}\0${f.size}\0${f.sha256}\n`);
  }
  return hash.digest('hex');
}
