// After a batch's chunks have ended: every chunk's items/<id>/ is merged into the batch's
// output folder (hard links where the file system allows, so nothing is stored twice and
// each chunk's run keeps its own outputs), and items.jsonl gets one line per input item,
// ok, error (it ran and failed) or missing (its chunk never ran, or stopped before it).

import { copyFile, link, mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../errors.js';
import type { ManifestItem } from '../manifest.js';
import { manifestPathFor } from '../run/fetch-outputs.js';
import { parseManifest } from '../run/parse-manifest.js';
import type { RunRecord } from '../run/record.js';
import type { RunStore } from '../store/run-store.js';
import type { BatchItem } from '../harness/settings.js';
import type { BatchInfo } from './plan-batch.js';
import { writeFileAtomic } from '../util/atomic-write.js';

export const ITEMS_FILE = 'items.jsonl';

export type ItemStatus = 'ok' | 'error' | 'missing';

export interface BatchItemResult {
  id: string;
  status: ItemStatus;
  exitCode: number | null;
  seconds: number | null;
  /** 1-based chunk number (the session that ran, or should have run, the item). */
  chunk: number;
  /** The chunk's run id; null when the chunk never got a run. */
  runId: string | null;
  error: string | null;
  /** Files merged into `<outputDir>/items/<id>/`. */
  files: number;
}

export interface BatchSummary {
  ok: number;
  failed: BatchItemResult[];
  missing: BatchItemResult[];
}

export function summarize(items: readonly BatchItemResult[]): BatchSummary {
  return {
    ok: items.filter((i) => i.status === 'ok').length,
    failed: items.filter((i) => i.status === 'error'),
    missing: items.filter((i) => i.status === 'missing'),
  };
}

/**
 * What a batch knows of one of its chunks: whichever scheduler runs them (the sweep's) keeps
 * them in this shape, so the batch never depends on it.
 */
export interface BatchChunk {
  index: number;
  runId: string | null;
  /** How the scheduler left it (`pending`, `skipped`, or the run's status). */
  status: string;
  items?: BatchItem[] | undefined;
}

/** Merges each chunk's items into `record.batch.outputDir` and writes items.jsonl. */
export async function mergeBatch(
  record: { batch?: BatchInfo | undefined; points: readonly BatchChunk[] },
  store: RunStore,
  onWarning: (message: string) => void = () => undefined,
): Promise<BatchItemResult[]> {
  const batch = record.batch;
  if (batch === undefined) return [];
  const results: BatchItemResult[] = [];
  for (const point of record.points) {
    results.push(...(await mergeChunk(point, store, batch.outputDir, onWarning)));
  }
  await mkdir(batch.outputDir, { recursive: true });
  await writeFileAtomic(
    join(batch.outputDir, ITEMS_FILE),
    results.map((r) => JSON.stringify(r)).join('\n') + '\n',
  );
  return results;
}

async function mergeChunk(
  point: BatchChunk,
  store: RunStore,
  outputDir: string,
  onWarning: (message: string) => void,
): Promise<BatchItemResult[]> {
  const run =
    point.runId === null ? undefined : await store.load(point.runId).catch(() => undefined);
  const ran = run === undefined ? new Map<string, ManifestItem>() : await manifestItems(store, run);
  const chunk = point.index + 1;
  const results: BatchItemResult[] = [];
  for (const item of point.items ?? []) {
    const target = join(outputDir, 'items', item.id);
    const seen = ran.get(item.id);
    if (seen === undefined) {
      results.push({
        id: item.id,
        status: 'missing',
        exitCode: null,
        seconds: null,
        chunk,
        runId: run?.runId ?? null,
        error: missingReason(point, run),
        files: 0,
      });
      continue;
    }
    // A re-run chunk replaces what an earlier run of it merged.
    await rm(target, { recursive: true, force: true });
    let files = 0;
    try {
      files = await linkTree(join(run!.outputDir, 'items', item.id), target);
    } catch (error) {
      onWarning(`item ${item.id}: cannot merge its outputs: ${errorMessage(error)}`);
    }
    results.push({
      id: item.id,
      status: seen.exitCode === 0 ? 'ok' : 'error',
      exitCode: seen.exitCode,
      seconds: seen.seconds,
      chunk,
      runId: run!.runId,
      error: seen.exitCode === 0 ? null : (seen.error ?? `exit code ${String(seen.exitCode)}`),
      files,
    });
  }
  return results;
}

/** The items the chunk's manifest lists (none when the run has no manifest). */
async function manifestItems(store: RunStore, run: RunRecord): Promise<Map<string, ManifestItem>> {
  const path = manifestPathFor(store.runDir(run.runId));
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return new Map();
  try {
    const manifest = parseManifest(text);
    if (manifest.nonce !== run.nonce) return new Map();
    return new Map((manifest.items ?? []).map((item) => [item.id, item]));
  } catch {
    return new Map();
  }
}

function missingReason(point: BatchChunk, run: RunRecord | undefined): string {
  const chunk = `chunk ${point.index + 1}`;
  if (run === undefined) return `${chunk} did not run (${point.status})`;
  if (run.error !== null) return `${chunk} ended before this item: ${run.error.message}`;
  return `${chunk} ended (${run.status}) before this item ran`;
}

/** Hard-links (or copies) every file under `from` to the same place under `to`. */
async function linkTree(from: string, to: string): Promise<number> {
  const entries = await readdir(from, { withFileTypes: true }).catch(() => undefined);
  if (entries === undefined) return 0;
  let count = 0;
  for (const entry of entries) {
    const source = join(from, entry.name);
    const dest = join(to, entry.name);
    if (entry.isDirectory()) {
      count += await linkTree(source, dest);
    } else if (entry.isFile()) {
      await mkdir(to, { recursive: true });
      await link(source, dest).catch(() => copyFile(source, dest));
      count += 1;
    }
  }
  return count;
}

/**
 * Whether a chunk needs no second session on resume: its run is over and its manifest
 * lists every one of its items (an item that failed would fail again the same way).
 */
export async function chunkRan(store: RunStore, point: BatchChunk): Promise<boolean> {
  if (point.runId === null) return false;
  const run = await store.load(point.runId).catch(() => undefined);
  if (run === undefined || run.step !== 'done') return false;
  const ran = await manifestItems(store, run);
  return (point.items ?? []).every((item) => ran.has(item.id));
}
