// Brings a finished run's outputs home: read the manifest, keep the files the job's globs
// select, download each to a temp file, check size and sha256, then rename into place.
// A file that fails its check is never left where the user would take it for good. The
// manifest comes the same way (capped, temp file, checked, renamed). Names the platform
// chose are refused when they are no plain relative path (output-name.ts), without losing
// the good files; one file that fails does not stop the others, and the verified ones are
// kept on the error so the record still lists them.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import picomatch from 'picomatch';
import {
  DiskFullError,
  KaggleRunError,
  PlatformError,
  RunLostError,
  diskFullError,
} from '../errors.js';
import { MANIFEST_FILE, type Manifest, type ManifestFile } from '../manifest.js';
import type { Platform, RemoteFile, RunHandle } from '../platform/platform.js';
import { sha256File } from '../util/hash.js';
import { renameInBackground } from '../util/background-writes.js';
import { keptInMemory } from '../util/memory-file.js';
import { printable } from '../util/printable.js';
import { resolveInside } from '../util/safe-path.js';
import type { OutputRecord } from './record.js';
import { badOutputName } from './output-name.js';
import { MAX_MANIFEST_BYTES, parseManifest } from './parse-manifest.js';

/**
 * Downloads in flight: enough to hide each small file's round trip, while one big file
 * still gets most of the link.
 */
export const DEFAULT_CONCURRENCY = 16;

/** Temp files of a download in progress: `<dest>.kaggle-run-<8 hex>.partial`. */
const PARTIAL_SUFFIX = /\.kaggle-run-[0-9a-f]{8}\.partial$/;

/**
 * Temp names count up from a random start: unique within the process, unlikely to meet
 * another process's, and without a call for random bytes per file.
 */
let nextTemp = randomBytes(4).readUInt32BE(0);
function tempName(dest: string): string {
  nextTemp = (nextTemp + 1) >>> 0;
  return `${dest}.kaggle-run-${nextTemp.toString(16).padStart(8, '0')}.partial`;
}

/** Some outputs could not be fetched; `outputs` are the ones that were, verified. */
export class OutputsFetchError extends PlatformError {
  constructor(
    readonly failures: { path: string; error: unknown }[],
    readonly outputs: OutputRecord[],
  ) {
    const first = failures[0]!;
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
    super(`${first.error instanceof Error ? first.error.message : String(first.error)}${more}`, {
      cause: first.error,
      hint:
        first.error instanceof KaggleRunError && first.error.hint !== undefined
          ? first.error.hint
          : undefined,
    });
  }
}

export interface FetchOptions {
  platform: Platform;
  handle: RunHandle;
  /** Where outputs land. */
  outputDir: string;
  /** Where the run's manifest copy is kept. */
  manifestPath: string;
  /** Output globs; empty (and no `files`) = every file in the manifest. */
  globs: string[];
  /** Exact paths fetched besides the globs' files (`--output-file`). */
  files?: string[] | undefined;
  nonce: string;
  concurrency?: number;
  signal?: AbortSignal | undefined;
  onFile?: (file: OutputRecord) => void;
  /** False for kernels that do not run the harness (a plain `push`): no manifest, no warning. */
  expectManifest?: boolean;
}

export interface FetchResult {
  manifest: Manifest | undefined;
  outputs: OutputRecord[];
  warnings: string[];
}

export function selectByGlobs(
  files: ManifestFile[],
  globs: string[],
  exact: readonly string[] = [],
): { selected: ManifestFile[]; unmatched: string[] } {
  if (globs.length === 0 && exact.length === 0) return { selected: files, unmatched: [] };
  const matchers = globs.map((g) => ({ glob: g, match: picomatch(g, { dot: true }) }));
  const used = new Set<string>();
  const selected = files.filter((f) => {
    let hit = exact.includes(f.path);
    for (const m of matchers) {
      if (m.match(f.path)) {
        used.add(m.glob);
        hit = true;
      }
    }
    return hit;
  });
  return { selected, unmatched: globs.filter((g) => !used.has(g)) };
}

/** Makes each output folder once per fetch, however many files land in it. */
function folderMaker(): (dir: string) => Promise<void> {
  const made = new Map<string, Promise<unknown>>();
  return async (dir) => {
    let making = made.get(dir);
    if (making === undefined) {
      making = mkdir(dir, { recursive: true });
      made.set(dir, making);
      making.catch(() => made.delete(dir));
    }
    await making;
  };
}

async function downloadVerified(
  options: FetchOptions,
  remote: RemoteFile,
  expected: { size: number; sha256: string } | undefined,
  dest: string,
  makeFolder: (dir: string) => Promise<void>,
): Promise<OutputRecord & { ok: boolean }> {
  await makeFolder(dirname(dest));
  const temp = tempName(dest);
  try {
    const limits = {
      madeDir: true,
      ...(expected === undefined ? {} : { maxBytes: expected.size }),
    };
    // Platforms that hash as they write save a second read of the file.
    const got =
      (await options.platform.download(
        options.handle,
        { ...remote, ...limits },
        temp,
        options.signal,
      )) ?? (await sha256File(temp));
    if (expected !== undefined && (got.size !== expected.size || got.sha256 !== expected.sha256)) {
      throw new PlatformError(
        `output ${remote.path} does not match the manifest (got ${got.size} bytes, sha256 ${got.sha256.slice(0, 12)}; expected ${expected.size} bytes, sha256 ${expected.sha256.slice(0, 12)})`,
      );
    }
    // An output kept in memory was written by the file-writing thread (memory-file.ts):
    // renamed there too, after its write, with no thread of ours waiting on the folder's lock.
    if (keptInMemory(limits.maxBytes)) await renameInBackground(temp, dest);
    else await rename(temp, dest);
    return { path: remote.path, size: got.size, sha256: got.sha256, ok: true };
  } catch (error) {
    await rm(temp, { force: true });
    // A full disk has its own message and hint, whichever platform's download ran into it.
    throw diskFullError(error, dest) ?? error;
  }
}

/** Runs `work` over `items`, `limit` at a time, to the end; the items that failed come back. */
async function inBatches<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
  signal: AbortSignal | undefined,
): Promise<{ item: T; error: unknown }[]> {
  const failed: { item: T; error: unknown }[] = [];
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && signal?.aborted !== true) {
      const item = items[next++]!;
      await work(item).catch((error: unknown) => failed.push({ item, error }));
    }
  });
  await Promise.all(workers);
  return failed;
}

/** The manifest, fetched like an output: capped, to a temp file, checked, then renamed. */
async function fetchManifest(options: FetchOptions, remote: RemoteFile): Promise<Manifest> {
  await mkdir(dirname(options.manifestPath), { recursive: true });
  const temp = tempName(options.manifestPath);
  try {
    await options.platform.download(
      options.handle,
      { ...remote, maxBytes: MAX_MANIFEST_BYTES },
      temp,
      options.signal,
    );
    const manifest = parseManifest(await readFile(temp, 'utf8'));
    if (manifest.nonce !== options.nonce) {
      throw new RunLostError(
        `the outputs of ${options.handle.kernel} belong to another run (manifest nonce differs): a later version of the kernel, pushed by another client, replaced this run's, and Kaggle keeps only the latest version's outputs; refusing to take them for this run`,
        {
          hint: 'run it again; concurrent runs of one job from one project get kernels of their own',
        },
      );
    }
    await rename(temp, options.manifestPath);
    return manifest;
  } finally {
    await rm(temp, { force: true });
  }
}

/** Removes the temp files a killed fetch left in `dir` (they never became outputs). */
async function removeStalePartials(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir, { recursive: true });
  } catch {
    return; // no folder yet: nothing left behind
  }
  await Promise.all(
    names.filter((n) => PARTIAL_SUFFIX.test(n)).map((n) => rm(join(dir, n), { force: true })),
  );
}

/** What a fetch will bring: the manifest (when there is one) and the files chosen. */
export interface FetchPlan {
  manifest: Manifest | undefined;
  wanted: { remote: RemoteFile; expected: ManifestFile | undefined }[];
  warnings: string[];
  /** Bytes the chosen files should have (the manifest's sizes, else the listing's). */
  bytes: number;
  /** The rest of the listing, read on while the files are fetched (settled: it is done). */
  listing: ListingRest;
}

/** The pages of a listing still being read, and the way to stop reading them. */
interface ListingRest {
  done: Promise<void>;
  stop: () => void;
}

const LISTED: ListingRest = { done: Promise.resolve(), stop: () => undefined };

export async function fetchOutputs(options: FetchOptions): Promise<FetchResult> {
  return downloadPlanned(options, await planFetch(options));
}

/**
 * Reads the listing into `byPath` until the manifest is in it, or to its end. The pages
 * after the manifest's are read on in the background (the platform's downloads wait for the
 * page of a file they need), so the manifest and the first files are fetched while Kaggle
 * lists the rest: ten pages for 2,000 outputs.
 */
async function listUntilManifest(
  options: FetchOptions,
  byPath: Map<string, RemoteFile>,
): Promise<ListingRest> {
  const { platform, handle } = options;
  const add = (files: RemoteFile[]) => {
    for (const f of files) byPath.set(f.path, f);
  };
  if (platform.listOutputPages === undefined) {
    add(await platform.listOutputs(handle, options.signal));
    return LISTED;
  }
  const stopping = new AbortController();
  const signal =
    options.signal === undefined
      ? stopping.signal
      : AbortSignal.any([options.signal, stopping.signal]);
  const pages = platform.listOutputPages(handle, signal)[Symbol.asyncIterator]();
  for (;;) {
    const page = await pages.next();
    if (page.done === true) return LISTED;
    add(page.value);
    if (byPath.has(MANIFEST_FILE)) break;
  }
  const readOn = async () => {
    for (let page = await pages.next(); page.done !== true; page = await pages.next()) {
      add(page.value);
    }
  };
  const done = readOn();
  // Its failure is the downloads' to meet (a file not listed is listed again, or fails).
  done.catch(() => undefined);
  return { done, stop: () => stopping.abort(new Error('the fetch no longer needs the listing')) };
}

/** Lists the outputs, reads and checks the manifest, and picks the files the globs select. */
export async function planFetch(options: FetchOptions): Promise<FetchPlan> {
  const warnings: string[] = [];
  const byPath = new Map<string, RemoteFile>();
  const listing = await listUntilManifest(options, byPath);
  try {
    return await planFrom(options, byPath, listing, warnings);
  } catch (error) {
    listing.stop();
    await listing.done.catch(() => undefined);
    throw error;
  }
}

async function planFrom(
  options: FetchOptions,
  byPath: Map<string, RemoteFile>,
  listing: ListingRest,
  warnings: string[],
): Promise<FetchPlan> {
  const manifestRemote = byPath.get(MANIFEST_FILE);
  let manifest: Manifest | undefined;
  let wanted: { remote: RemoteFile; expected: ManifestFile | undefined }[];

  if (manifestRemote !== undefined) {
    manifest = await fetchManifest(options, manifestRemote);
    const { selected, unmatched } = selectByGlobs(manifest.files, options.globs, options.files);
    for (const glob of unmatched)
      warnings.push(`output glob ${JSON.stringify(glob)} matched no file`);
    // A file on a page still to come is named by its path alone, as the manifest has it.
    wanted = selected.map((file) => ({
      remote: byPath.get(file.path) ?? { path: file.path },
      expected: file,
    }));
  } else {
    // No manifest: the harness never finished (killed, out of time). Take what is there,
    // unverified, rather than lose it. (The listing was read to its end, looking for one.)
    if (options.expectManifest !== false) {
      warnings.push(
        'no manifest was written (the harness did not finish); outputs are not verified',
      );
    }
    const files = [...byPath.values()].map((f) => ({
      path: f.path,
      size: f.size ?? 0,
      sha256: '',
    }));
    wanted = selectByGlobs(files, options.globs, options.files).selected.map((f) => ({
      remote: byPath.get(f.path)!,
      expected: undefined,
    }));
  }

  wanted = wanted.filter(({ remote }) => {
    const why = badOutputName(remote.path);
    if (why !== undefined) {
      warnings.push(`output ${printable(JSON.stringify(remote.path))} refused: ${why}`);
    }
    return why === undefined;
  });

  const bytes = wanted.reduce((sum, w) => sum + (w.expected?.size ?? w.remote.size ?? 0), 0);
  return { manifest, wanted, warnings, bytes, listing };
}

/** Downloads the planned files, each verified against the manifest, into the output folder. */
export async function downloadPlanned(
  options: FetchOptions,
  plan: FetchPlan,
): Promise<FetchResult> {
  try {
    return await downloadAll(options, plan);
  } finally {
    // Read to its end by now, unless no download needed its later pages.
    plan.listing.stop();
    await plan.listing.done.catch(() => undefined);
  }
}

async function downloadAll(options: FetchOptions, plan: FetchPlan): Promise<FetchResult> {
  const { manifest, wanted, warnings } = plan;
  const outputs: OutputRecord[] = [];
  const makeFolder = folderMaker();
  const fetchOne = async ({ remote, expected }: (typeof wanted)[number]): Promise<void> => {
    const dest = resolveInside(options.outputDir, remote.path);
    const record = await downloadVerified(options, remote, expected, dest, makeFolder);
    const output = { path: record.path, size: record.size, sha256: record.sha256 };
    outputs.push(output);
    options.onFile?.(output);
  };
  const firstRound = await inBatches(
    wanted,
    options.concurrency ?? DEFAULT_CONCURRENCY,
    fetchOne,
    options.signal,
  );
  const failed = await retryWhatFits(firstRound, fetchOne, options.signal);
  options.signal?.throwIfAborted();
  outputs.sort((a, b) => (a.path < b.path ? -1 : 1));
  if (failed.length > 0) {
    throw new OutputsFetchError(
      failed.map(({ item, error }) => ({ path: item.remote.path, error })),
      outputs,
    );
  }
  await removeStalePartials(options.outputDir);
  return { manifest, outputs, warnings };
}

/**
 * A disk that filled up fails whatever was being written at that moment, small files that
 * would fit included: those go again one at a time, smallest first, once the first round's
 * partial files are gone. What does not fit fails again; the other failures stand as they are.
 */
async function retryWhatFits<T extends { remote: RemoteFile; expected: ManifestFile | undefined }>(
  failed: { item: T; error: unknown }[],
  fetchOne: (item: T) => Promise<void>,
  signal: AbortSignal | undefined,
): Promise<{ item: T; error: unknown }[]> {
  const sizeOf = (item: T) => item.expected?.size ?? item.remote.size ?? Infinity;
  const full = failed
    .filter((f) => f.error instanceof DiskFullError)
    .sort((a, b) => sizeOf(a.item) - sizeOf(b.item));
  if (full.length < 2) return failed; // one file alone failed: it does not fit
  const still = failed.filter((f) => !(f.error instanceof DiskFullError));
  for (const { item } of full) {
    if (signal?.aborted === true) break;
    await fetchOne(item).catch((error: unknown) => still.push({ item, error }));
  }
  return still;
}

export function manifestPathFor(runDir: string): string {
  return join(runDir, 'manifest.json');
}
