// The sweep record: `.kaggle-run/sweeps/<sweepId>/sweep.json`, rewritten atomically whenever
// a point starts or ends, so a killed sweep can be resumed (`kaggle-run attach SWEEP`).
// It lists each point's params and run id; the runs themselves are ordinary run records.

import { readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { JobOverrides } from '../config/overrides.js';
import { UsageError } from '../errors.js';
import type { Accelerator } from '../accelerator.js';
import type { BatchInfo } from '../batch/plan-batch.js';
import type { BatchItem } from '../harness/settings.js';
import type { Params, PlatformName } from '../job.js';
import type { RunStatus } from '../run/record.js';
import type { RunStore } from '../store/run-store.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { exactJson, parseExactJson } from '../config/param-value.js';

/** `pending`: not started yet; `skipped`: not started because of --fail-fast or Ctrl-C. */
export type PointStatus = RunStatus | 'pending' | 'skipped';

export interface SweepPoint {
  index: number;
  /** `lr=0.1,seed=1` */
  label: string;
  /** The point's own values (applied over params, profile and -p). */
  params: Params;
  /** Kaggle kernel slug (without owner). */
  kernelSlug: string;
  runId: string | null;
  status: PointStatus;
  exitCode: number | null;
  /** A batch chunk: the items this point's session runs, in order. */
  items?: BatchItem[] | undefined;
}

export interface SweepRecord {
  schemaVersion: 1;
  sweepId: string;
  job: string;
  projectRoot: string;
  platform: PlatformName;
  accelerator: Accelerator;
  timeoutSeconds: number;
  maxParallel: number;
  /** Path of the metrics JSON inside each point's output folder, from `metrics:`. */
  metrics: string | null;
  /** What the sweep was started with, so that a resume runs missing points the same way. */
  overrides: JobOverrides;
  outputDir: string | null;
  createdAt: string;
  endedAt: string | null;
  points: SweepPoint[];
  /** Set when the sweep is a batch: its points are chunks of the inputs file's items. */
  batch?: BatchInfo | undefined;
}

export class SweepStore {
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly runs: RunStore) {}

  get sweepsDir(): string {
    return join(this.runs.root, 'sweeps');
  }

  file(sweepId: string): string {
    return join(this.sweepsDir, sweepId, 'sweep.json');
  }

  /**
   * Writes are chained: concurrent points never race on the same file. Params are written
   * exactly, as KAGGLE_RUN_PARAMS is (big ints as digits, `1.0`, NaN, Infinity), so that a
   * resumed sweep runs its missing points with the very values it started with.
   */
  save(record: SweepRecord): Promise<void> {
    const text = `${exactJson(record, 2)}\n`;
    this.writing = this.writing.then(() => writeFileAtomic(this.file(record.sweepId), text));
    return this.writing;
  }

  async load(sweepId: string): Promise<SweepRecord> {
    const path = this.file(sweepId);
    let value: Partial<SweepRecord>;
    try {
      value = parseExactJson(await readFile(path, 'utf8')) as Partial<SweepRecord>;
    } catch (error) {
      throw new UsageError(
        existsSync(path)
          ? `sweep record ${path} is corrupt: ${(error as Error).message}`
          : `no sweep ${sweepId} in ${this.sweepsDir}`,
        { hint: 'sweep ids are printed when a sweep starts; `kaggle-run sweep list` lists them' },
      );
    }
    if (typeof value.sweepId !== 'string' || !Array.isArray(value.points)) {
      throw new UsageError(`sweep record ${path} is not a sweep record`);
    }
    return value as SweepRecord;
  }

  /** Sweep ids, newest first (ids start with a timestamp). */
  async ids(): Promise<string[]> {
    const entries = await readdir(this.sweepsDir, { withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isDirectory() && existsSync(this.file(e.name)))
      .map((e) => e.name)
      .sort()
      .reverse();
  }

  /** The sweep id `ref` names (exact id, a unique part of one, `last` or `last-sweep`), if any. */
  async find(ref: string): Promise<string | undefined> {
    const ids = await this.ids();
    if (ref === 'last' || ref === 'last-sweep') return ids[0];
    if (ids.includes(ref)) return ref;
    const matches = ids.filter((id) => id.includes(ref));
    if (matches.length > 1) {
      throw new UsageError(`${matches.length} sweeps match ${JSON.stringify(ref)}`, {
        hint: `give more of the id: ${matches.slice(0, 5).join(', ')}`,
      });
    }
    return matches[0];
  }

  async resolve(ref: string): Promise<SweepRecord> {
    const id = await this.find(ref);
    if (id === undefined) {
      throw new UsageError(`no sweep matches ${JSON.stringify(ref)} in ${this.sweepsDir}`, {
        hint: 'use the id printed when the sweep started, or `last-sweep`',
      });
    }
    return this.load(id);
  }
}
