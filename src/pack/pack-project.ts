import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { writeDeterministicZip } from './deterministic-zip.js';
import { packFingerprint, rememberPack, reusePack } from './pack-cache.js';
import { collectFiles, type ExcludedFile } from './select-files.js';

export interface PackOptions {
  /** The project folder. */
  root: string;
  /** Globs (relative to root) that add files back even when git or an ignore file drops them. */
  include: string[];
  /** Globs (relative to root) that remove files; they win over include. */
  exclude: string[];
  /** Where the zip is written (replaced atomically). */
  outPath: string;
  /** A folder of recent zips: an unchanged selection reuses one instead of packing again. */
  cacheDir?: string | undefined;
}

export interface PackResult {
  zipPath: string;
  /** sha256 of the zip's bytes: the same files always give the same hash. */
  codeHash: string;
  /** Entry names in the zip, in zip order (UTF-8 byte order). */
  files: string[];
  fileCount: number;
  /** Sum of the packed files' sizes. */
  inputBytes: number;
  zipBytes: number;
  /** Files left out as secrets or bad symlinks, each with why. */
  excluded: ExcludedFile[];
  /** The zip came from the cache (nothing was read or compressed). */
  reused: boolean;
}

/** Packs a project's shippable files into a deterministic zip at `options.outPath`. */
export async function packProject(options: PackOptions): Promise<PackResult> {
  const zipPath = resolve(options.outPath);
  const rules = { include: options.include, exclude: options.exclude };
  // The zip may be written inside the project (a cache folder): never pack last run's zip.
  const { entries, excluded, git } = await collectFiles(options.root, rules, [zipPath]);
  if (entries.length === 0) {
    const source = git ? 'git lists no file there' : '.gitignore leaves no file there';
    throw new UsageError(`nothing to pack in ${resolve(options.root)}: ${source}`, {
      hint: 'check .gitignore, .kaggleignore and exclude, or name the files to ship in include',
    });
  }
  const cacheDir = options.cacheDir;
  const fingerprint = cacheDir === undefined ? '' : packFingerprint(entries);
  const cached =
    cacheDir === undefined ? undefined : await reusePack(cacheDir, fingerprint, zipPath);
  let packed = cached;
  if (packed === undefined) {
    const { sha256, zipBytes } = await writeDeterministicZip(entries, zipPath);
    packed = { codeHash: sha256, zipBytes };
    if (cacheDir !== undefined) await rememberPack(cacheDir, fingerprint, zipPath, packed);
  }
  const { codeHash, zipBytes } = packed;
  return {
    reused: cached !== undefined,
    zipPath,
    codeHash,
    files: entries.map((e) => e.path),
    fileCount: entries.length,
    inputBytes: entries.reduce((sum, e) => sum + e.size, 0),
    zipBytes,
    excluded,
  };
}
