// A batch is a sweep whose points are chunks of items: the inputs file is read and checked,
// cut into chunks of `per_session` items, and each chunk gets its own stable Kaggle kernel
// (`kaggle-run-<name>-batch-<n>`), so running the batch again adds versions to the same kernels.

import { DEFAULT_PER_SESSION, perSessionSchema, type BatchMode } from '../config/batch-schema.js';
import { checkWith } from '../config/overrides.js';
import { UsageError } from '../errors.js';
import type { BatchItem } from '../harness/settings.js';
import type { Job } from '../job.js';
import { jobSlug } from '../util/slug.js';
import { readBatchItems } from './read-items.js';

/** What a sweep record keeps of its batch (the items themselves are on its points). */
export interface BatchInfo {
  /** Absolute path of the inputs file, as it was read when the batch was planned. */
  file: string;
  perSession: number;
  idField: string | null;
  itemCount: number;
  /** Absent in records written before loop mode existed: per-item. */
  mode?: BatchMode | undefined;
  /** Where items/<id>/ and items.jsonl are merged. */
  outputDir: string;
}

export interface BatchFlags {
  /** `--batch FILE` (absolute), over `batch.file`. */
  batchFile?: string | undefined;
  /** `--per-session K`, over `batch.per_session`. */
  perSession?: number | undefined;
  /** `--batch-mode MODE`, over `batch.mode`. */
  batchMode?: BatchMode | undefined;
}

export interface BatchPlan {
  file: string;
  perSession: number;
  idField: string | null;
  mode: BatchMode;
  items: BatchItem[];
  chunks: BatchItem[][];
}

/** Whether the job (with the flags) is a batch. */
export function isBatch(job: Job, flags: BatchFlags): boolean {
  return job.batch !== undefined || flags.batchFile !== undefined;
}

export async function planBatch(job: Job, flags: BatchFlags): Promise<BatchPlan> {
  const file = flags.batchFile ?? job.batch?.file;
  if (file === undefined) {
    throw new UsageError(`${job.name} declares no batch`, {
      hint: 'add `batch: {file: inputs.jsonl, per_session: 25}` to kaggle-run.yaml, or pass --batch FILE',
    });
  }
  const perSession = checkWith(
    perSessionSchema,
    flags.perSession ?? job.batch?.perSession ?? DEFAULT_PER_SESSION,
    '--per-session',
  );
  const idField = job.batch?.idField ?? null;
  const mode = flags.batchMode ?? job.batch?.mode ?? 'per-item';
  const items = await readBatchItems(file, {
    idField: idField ?? undefined,
    declared: job.params,
    // Only per-item mode injects an item's fields into the notebook as variables.
    notebook: job.kind === 'notebook' && mode === 'per-item',
  });
  return { file, perSession, idField, mode, items, chunks: chunkItems(items, perSession) };
}

/**
 * As few chunks as `size` allows, in file order, their sizes differing by one at most: 30
 * items at 25 a session are two sessions of 15 (not 25 and 5), so the sessions that run side
 * by side end together.
 */
export function chunkItems<T>(items: readonly T[], size: number): T[][] {
  const count = Math.ceil(items.length / size);
  const chunks: T[][] = [];
  let start = 0;
  for (let n = 0; n < count; n++) {
    const length = Math.floor(items.length / count) + (n < items.length % count ? 1 : 0);
    chunks.push(items.slice(start, start + length));
    start += length;
  }
  return chunks;
}

/** `chunk-3` (1-based): the point label, also the prefix of its log lines. */
export function chunkLabel(index: number): string {
  return `chunk-${index + 1}`;
}

/** `kaggle-run-<name>-batch-<n>`, at most 50 characters (Kaggle's slug limit). */
export function chunkKernelSlug(jobName: string, index: number): string {
  return jobSlug(jobName, `batch-${index + 1}`);
}
