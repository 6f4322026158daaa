// Turns the job's `sweep:` and the --sweep flags into a sweep record: the job comes resolved
// once (every config problem reported before anything runs, the spec read once), the points
// are expanded, and the budget is checked.

import type { BatchMode } from '../config/batch-schema.js';
import { join, resolve } from 'node:path';
import { chunkKernelSlug, chunkLabel, isBatch, planBatch } from '../batch/plan-batch.js';
import { locateProjectFile } from '../config/find-project-file.js';
import { readProjectSource } from '../config/load-spec.js';
import type { JobOverrides } from '../config/overrides.js';
import { isRecord } from '../config/source.js';
import { UsageError } from '../errors.js';
import type { Job } from '../job.js';
import { capabilitiesOf } from '../platform/capabilities.js';
import { newRunId } from '../store/run-id.js';
import { RunStore } from '../store/run-store.js';
import { slugify } from '../util/slug.js';
import { checkMaxHours } from './budget.js';
import { checkWith } from '../config/overrides.js';
import { maxHoursSchema, maxParallelSchema } from '../config/sweep-limits.js';
import { parseSweepFlags, pointKernelSlug, pointLabel, sweepPoints } from './grid.js';
import type { SweepRecord } from './sweep-store.js';

/** Whether the project around `dir` declares a `sweep:` or a `batch:` (not validated here). */
export async function projectHasSweep(dir: string): Promise<boolean> {
  const found = await locateProjectFile(resolve(dir));
  if (found === undefined) return false;
  const source = await readProjectSource(found).catch(() => undefined);
  return (
    source !== undefined &&
    isRecord(source.data) &&
    (source.data.sweep !== undefined || source.data.batch !== undefined)
  );
}

/** The platform's session cap for the job's accelerator (capabilities.ts). */
export function defaultParallelism(job: Job): number {
  return capabilitiesOf(job.platform).sessionCap(job.accelerator);
}

export interface PlanOptions {
  /** The job, resolved once with `overrides`: every point runs it with its own values. */
  job: Job;
  env: NodeJS.ProcessEnv;
  /** Kept in the record, so that a resume resolves the job the same way. */
  overrides: JobOverrides;
  /** Raw `--sweep KEY=V1,V2` flags. */
  sweepFlags: readonly string[];
  maxParallel?: number | undefined;
  maxHours?: number | undefined;
  outputDir?: string | undefined;
  /** `--batch FILE` (absolute) and `--per-session K`, over the file's `batch:`. */
  batchFile?: string | undefined;
  perSession?: number | undefined;
  /** `--batch-mode MODE`, over `batch.mode`. */
  batchMode?: BatchMode | undefined;
}

export interface SweepPlan {
  job: Job;
  store: RunStore;
  record: SweepRecord;
}

export async function planSweep(options: PlanOptions): Promise<SweepPlan> {
  const { job } = options;
  const spec = { sweep: job.sweep, metrics: job.metrics };
  const batchFlags = {
    batchFile: options.batchFile,
    perSession: options.perSession,
    batchMode: options.batchMode,
  };
  const batch = isBatch(job, batchFlags) ? await planBatch(job, batchFlags) : undefined;
  if (batch !== undefined && (spec.sweep !== undefined || options.sweepFlags.length > 0)) {
    throw new UsageError(`${job.name} has both a batch and a sweep; run one at a time`, {
      hint: 'drop `sweep:` or --sweep to run the batch, or drop `batch:` / --batch to run the sweep',
    });
  }
  if (batch === undefined && options.batchMode !== undefined) {
    throw new UsageError('--batch-mode is for a batch, and this job has none', {
      hint: 'pass --batch FILE, or add `batch: {file: inputs.jsonl}` to kaggle-run.yaml',
    });
  }
  if (batch === undefined && options.perSession !== undefined) {
    throw new UsageError('--per-session is for a batch, and this job has none', {
      hint: 'pass --batch FILE, or add `batch: {file: inputs.jsonl}` to kaggle-run.yaml',
    });
  }
  const points =
    batch === undefined
      ? sweepPoints(spec.sweep, parseSweepFlags(options.sweepFlags, job.params))
      : batch.chunks.map(() => ({}));
  if (batch === undefined && spec.sweep === undefined && options.sweepFlags.length === 0) {
    throw new UsageError(`${job.name} declares no sweep`, {
      hint: 'add `sweep: {lr: [0.1, 0.01]}` to kaggle-run.yaml, or pass --sweep lr=0.1,0.01',
    });
  }
  checkMaxHours({
    points: points.length,
    timeoutSeconds: job.timeoutSeconds,
    maxHours:
      options.maxHours === undefined
        ? undefined
        : checkWith(maxHoursSchema, options.maxHours, '--max-hours'),
  });
  const maxParallel = checkWith(
    maxParallelSchema,
    options.maxParallel ?? defaultParallelism(job),
    '--max-parallel',
  );
  const store = new RunStore(job.root, options.env);
  const sweepId = newRunId(`${slugify(job.name)}-${batch === undefined ? 'sweep' : 'batch'}`);
  // `{runId}` in --output-dir names the sweep (or batch) here: one folder for all its points.
  const outputDir =
    options.outputDir === undefined
      ? null
      : resolve(options.outputDir.replaceAll('{runId}', sweepId));
  const record: SweepRecord = {
    schemaVersion: 1,
    sweepId,
    job: job.name,
    projectRoot: job.root,
    platform: job.platform,
    accelerator: job.accelerator,
    timeoutSeconds: job.timeoutSeconds,
    maxParallel,
    metrics: spec.metrics ?? null,
    overrides: options.overrides,
    outputDir,
    createdAt: new Date().toISOString(),
    endedAt: null,
    points: points.map((params, index) => ({
      index,
      label: batch === undefined ? pointLabel(params) : chunkLabel(index),
      params,
      kernelSlug:
        batch === undefined ? pointKernelSlug(job.name, params) : chunkKernelSlug(job.name, index),
      runId: null,
      status: 'pending',
      exitCode: null,
      ...(batch === undefined ? {} : { items: batch.chunks[index] ?? [] }),
    })),
    ...(batch === undefined
      ? {}
      : {
          batch: {
            file: batch.file,
            perSession: batch.perSession,
            idField: batch.idField,
            itemCount: batch.items.length,
            mode: batch.mode,
            outputDir: outputDir ?? join(store.root, 'sweeps', sweepId, 'outputs'),
          },
        }),
  };
  return { job, store, record };
}
