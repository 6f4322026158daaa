// The run store: one folder per run under `<project>/.kaggle-run/runs/<runId>/` holding
// run.json (rewritten atomically at every step), log.jsonl (appended as the log streams),
// manifest.json, and outputs/ (unless the run was given another output folder). Listings
// read the index beside the runs (run-index.ts), which every save appends to.

import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readEnv } from '../env.js';
import { UsageError } from '../errors.js';
import type { RunRecord } from '../run/record.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { RunIndex, type RunSummary } from './run-index.js';

export interface LogLine {
  stream: 'stdout' | 'stderr';
  /** Milliseconds since the epoch when it was received. */
  at: number;
  text: string;
}

export interface CorruptRun {
  runId: string;
  problem: string;
}

export class RunStore {
  readonly root: string;

  constructor(projectRoot: string, env: NodeJS.ProcessEnv = process.env) {
    this.root = resolve(readEnv('KAGGLE_RUN_HOME', env) ?? join(projectRoot, '.kaggle-run'));
  }

  private get index(): RunIndex {
    return new RunIndex(join(this.root, 'runs-index.jsonl'), this.runsDir);
  }

  get runsDir(): string {
    return join(this.root, 'runs');
  }

  runDir(runId: string): string {
    return join(this.runsDir, runId);
  }

  /** Creates the run's folder and its first record; fails if the id is taken. */
  async create(record: RunRecord): Promise<void> {
    await mkdir(this.runsDir, { recursive: true });
    // Keep run records out of the user's git status.
    const ignore = join(this.root, '.gitignore');
    if (!existsSync(ignore)) await writeFile(ignore, '*\n');
    await mkdir(this.runDir(record.runId));
    await this.save(record);
  }

  async save(record: RunRecord): Promise<void> {
    await writeJsonAtomic(join(this.runDir(record.runId), 'run.json'), record);
    await this.index.noteSaved(record);
  }

  /**
   * Appends to log.jsonl a record per line (log-records.ts): a LogLine whose text holds many
   * lines, as a log event's chunk does, becomes as many records, each with its time.
   */
  async appendLog(runId: string, lines: LogLine[]): Promise<void> {
    if (lines.length === 0) return;
    // The same JSON as JSON.stringify(line), built without walking objects: a chatty
    // program's million lines would cost more to format one by one than to receive.
    let out = '';
    for (const line of lines) {
      const head = `{"stream":"${line.stream}","at":${line.at},"text":`;
      const text = line.text;
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        out += `${head}${JSON.stringify(text.slice(start, nl + 1))}}\n`;
        start = nl + 1;
      }
      if (start < text.length) out += `${head}${JSON.stringify(text.slice(start))}}\n`;
    }
    await appendFile(join(this.runDir(runId), 'log.jsonl'), out);
  }

  async readLog(runId: string): Promise<LogLine[]> {
    let text: string;
    try {
      text = await readFile(join(this.runDir(runId), 'log.jsonl'), 'utf8');
    } catch {
      return [];
    }
    const lines: LogLine[] = [];
    for (const raw of text.split('\n')) {
      if (raw.trim() === '') continue;
      try {
        lines.push(JSON.parse(raw) as LogLine);
      } catch {
        // a line cut short by a killed process: skip it, keep the rest
      }
    }
    return lines;
  }

  async load(runId: string): Promise<RunRecord> {
    const path = join(this.runDir(runId), 'run.json');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      throw new UsageError(`no run ${runId} in ${this.runsDir}`, {
        hint: 'list runs with `kaggle-run runs`',
      });
    }
    try {
      return parseRecord(text);
    } catch (error) {
      throw new UsageError(`run record ${path} is corrupt: ${(error as Error).message}`);
    }
  }

  /**
   * What a listing shows of every run, newest first, from the index (records it does not
   * know as they are now are read); corrupt records are reported, not fatal.
   */
  summaries(): Promise<{ summaries: RunSummary[]; corrupt: CorruptRun[] }> {
    return this.index.list(async (runId) =>
      parseRecord(await readFile(join(this.runDir(runId), 'run.json'), 'utf8')),
    );
  }

  /** Finds a run by exact id, unique prefix, or `last`. */
  async resolve(ref: string): Promise<RunRecord> {
    if (ref !== 'last' && existsSync(join(this.runDir(ref), 'run.json'))) return this.load(ref);
    const { summaries: runs } = await this.summaries();
    if (ref === 'last') {
      const last = runs[0];
      if (last === undefined) throw new UsageError(`no runs yet in ${this.runsDir}`);
      return this.load(last.runId);
    }
    const matches = runs.filter((r) => r.runId.startsWith(ref) || r.runId.includes(ref));
    if (matches.length === 1) return this.load(matches[0]!.runId);
    if (matches.length === 0) {
      throw new UsageError(`no run matches ${JSON.stringify(ref)}`, {
        hint: 'list runs with `kaggle-run runs`',
      });
    }
    throw new UsageError(
      `${matches.length} runs match ${JSON.stringify(ref)}: ${matches
        .slice(0, 5)
        .map((r) => r.runId)
        .join(', ')}`,
      { hint: 'give more of the run id' },
    );
  }
}

function parseRecord(text: string): RunRecord {
  const value = JSON.parse(text) as Partial<RunRecord>;
  if (typeof value !== 'object' || value === null || typeof value.runId !== 'string') {
    throw new Error('not a run record');
  }
  return value as RunRecord;
}
