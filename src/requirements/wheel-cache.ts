// The wheel cache of a remote run's requirements, the client's half. A session that installs
// the requirements from the index keeps their wheels in `kaggle-run-wheels/` of its output
// (the harness's half); this file remembers, in `.kaggle-run/cache/wheel-cache.json`, which
// kernel version's output holds them for which key (per endpoint), so the next run attaches
// that version (`owner/slug/N`, the very version: never a later one that may not hold them)
// and tells the harness where it is mounted. A change of requirements or image is another
// key, and its first session keeps a new cache.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { harnessContract } from '../harness/contract.js';
import type { Manifest } from '../manifest.js';
import type { RunRecord, WheelCacheRecord } from '../run/record.js';
import { sourceFolders } from '../platform/input-layout.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import type { ParsedRequirements } from './parse-requirements.js';
import { requirementsKey } from './requirements-key.js';

/** What a session did with the cache, as its manifest says. */
export interface WheelCacheUse {
  key: string;
  /** `cache`: installed from the kept wheels, with no index; `index`: a normal install. */
  installedFrom: 'cache' | 'index';
  /** The session kept the wheels in its output for the next one. */
  kept: boolean;
}

/** A kernel version whose output holds the wheels for a key. */
export interface WheelCacheHolder {
  /** `owner/slug`. */
  kernel: string;
  version: number;
  runId: string;
  savedAt: string;
}

interface MemoryFile {
  schemaVersion: 1;
  /** `<endpoint>|<key>` -> the holder. */
  holders: Record<string, WheelCacheHolder>;
}

/** Keys kept at most: each names a kernel version, nothing is stored here beyond that. */
const MAX_HOLDERS = 50;

/**
 * The cache's key: the requirements (as the project venv's key reads them) and the image the
 * session runs (its pinning, a named image, or Kaggle's default). The session's Python is
 * checked by the harness against the kept wheels, since only the session knows it.
 */
export function wheelCacheKey(
  root: string,
  requirements: ParsedRequirements,
  image: string | null,
): Promise<string> {
  return requirementsKey(root, requirements, [
    'kaggle-run wheels 1',
    `image ${image ?? 'default'}`,
  ]);
}

function memoryPath(storeRoot: string): string {
  return join(storeRoot, 'cache', 'wheel-cache.json');
}

function memoryKey(endpoint: string | null | undefined, key: string): string {
  return `${endpoint ?? 'https://www.kaggle.com'}|${key}`;
}

async function readMemory(storeRoot: string): Promise<MemoryFile> {
  try {
    const parsed = JSON.parse(await readFile(memoryPath(storeRoot), 'utf8')) as Partial<MemoryFile>;
    if (parsed.schemaVersion === 1 && typeof parsed.holders === 'object' && parsed.holders) {
      return { schemaVersion: 1, holders: parsed.holders };
    }
  } catch {
    // No memory yet, or unreadable: the next session installs as usual and keeps the wheels.
  }
  return { schemaVersion: 1, holders: {} };
}

function isHolder(value: unknown): value is WheelCacheHolder {
  const h = value as Partial<WheelCacheHolder> | null;
  return (
    typeof h === 'object' &&
    h !== null &&
    typeof h.kernel === 'string' &&
    /^[^/\s]+\/[^/\s]+$/.test(h.kernel) &&
    Number.isInteger(h.version) &&
    typeof h.runId === 'string'
  );
}

/** The kernel version holding the wheels for `key` on this endpoint, if one is known. */
export async function findWheelCache(
  storeRoot: string,
  endpoint: string | null | undefined,
  key: string,
): Promise<WheelCacheHolder | undefined> {
  const holder = (await readMemory(storeRoot)).holders[memoryKey(endpoint, key)];
  return isHolder(holder) ? holder : undefined;
}

/** Notes (or, with `holder` undefined, forgets) the holder of a key's wheels. */
export async function rememberWheelCache(
  storeRoot: string,
  endpoint: string | null | undefined,
  key: string,
  holder: WheelCacheHolder | undefined,
): Promise<void> {
  const memory = await readMemory(storeRoot);
  const name = memoryKey(endpoint, key);
  if (holder === undefined) {
    if (!(name in memory.holders)) return;
    delete memory.holders[name];
  } else {
    delete memory.holders[name];
    memory.holders[name] = holder; // last: the newest, kept when older ones are dropped
  }
  const names = Object.keys(memory.holders);
  for (const old of names.slice(0, Math.max(0, names.length - MAX_HOLDERS))) {
    delete memory.holders[old];
  }
  await writeJsonAtomic(memoryPath(storeRoot), memory);
}

/** The source ref a run attaches for the holder: its very version. */
export function holderSource(holder: WheelCacheHolder): string {
  return `${holder.kernel}/${holder.version}`;
}

/** Where the holder's wheels are under the session's input folder (Kaggle's current layout). */
export function holderFolder(holder: WheelCacheHolder): string {
  const [owner = '', slug = ''] = holder.kernel.split('/');
  const [folder] = sourceFolders({ kind: 'notebook', owner, slug }, 'current');
  return `${folder}/${harnessContract().files.wheels}`;
}

/** The manifest's account of the cache (its shape checked with the manifest's schema). */
export function wheelCacheUse(manifest: Manifest | undefined): WheelCacheUse | undefined {
  return manifest?.wheelCache;
}

/** What a run is given of the cache: the settings' part, the source to attach, the record's. */
export interface WheelCachePlan {
  settings: { key: string; from: string | null };
  /** `owner/slug/N`, attached beside the job's kernels; undefined: no cache known yet. */
  source: string | undefined;
  record: WheelCacheRecord;
}

/** The cache for a remote run's requirements: the key, and the holder if one is known. */
export async function planWheelCache(options: {
  root: string;
  storeRoot: string;
  endpoint: string | null | undefined;
  requirements: ParsedRequirements;
  image: string | null;
}): Promise<WheelCachePlan> {
  const key = await wheelCacheKey(options.root, options.requirements, options.image);
  const holder = await findWheelCache(options.storeRoot, options.endpoint, key);
  const source = holder === undefined ? undefined : holderSource(holder);
  return {
    settings: { key, from: holder === undefined ? null : holderFolder(holder) },
    source,
    record: { key, source: source ?? null },
  };
}

/**
 * After a run ended: a version that completed and kept the wheels holds the cache from now
 * on; one given a cache that did not serve, and that kept none, leaves the key with no
 * holder (the next session installs from the index and keeps them).
 */
export async function noteWheelCache(
  storeRoot: string,
  record: Pick<RunRecord, 'endpoint' | 'kernel' | 'version' | 'runId' | 'wheelCache'>,
  completed: boolean,
): Promise<void> {
  const cache = record.wheelCache;
  if (!cache || cache.installedFrom === undefined) return;
  if (cache.kept === true && completed && record.kernel !== null && record.version !== null) {
    await rememberWheelCache(storeRoot, record.endpoint, cache.key, {
      kernel: record.kernel,
      version: record.version,
      runId: record.runId,
      savedAt: new Date().toISOString(),
    });
  } else if (cache.source !== null && cache.installedFrom === 'index' && cache.kept !== true) {
    await rememberWheelCache(storeRoot, record.endpoint, cache.key, undefined);
  }
}
