// The run store's index, `<store>/runs-index.jsonl`: one line per record save with what a
// listing shows, so `kaggle-run runs` reads one file instead of every run.json. Saves append
// (one write each, so processes running at once do not overwrite each other); the last line
// of a run wins. Each line carries the size and mtime run.json had when it was written: a
// listing stats the records, and one whose stamp differs (a save whose line was lost, a
// record written by an older kaggle-run, a folder copied in) is read again and its line
// added. A missing or unreadable index is rebuilt the same way, and an index grown well
// past its runs is rewritten with one line each.

import { statSync } from 'node:fs';
import { appendFile, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from '../run/record.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/** What a listing needs of a record. */
export type RunSummary = Pick<
  RunRecord,
  | 'runId'
  | 'job'
  | 'createdAt'
  | 'startedAt'
  | 'endedAt'
  | 'status'
  | 'step'
  | 'platform'
  | 'exitCode'
>;

interface IndexLine {
  summary: RunSummary;
  /** run.json's `size:mtimeMs` when the line was written. */
  stamp: string;
}

export function summaryOf(record: RunRecord): RunSummary {
  const { runId, job, createdAt, startedAt, endedAt, status, step, platform, exitCode } = record;
  return { runId, job, createdAt, startedAt, endedAt, status, step, platform, exitCode };
}

/** `size:mtimeMs` of a file, or undefined when it is not there. */
export function fileStamp(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

function lineText(line: IndexLine): string {
  return `${JSON.stringify(line)}\n`;
}

export class RunIndex {
  constructor(
    private readonly file: string,
    private readonly runsDir: string,
  ) {}

  private recordPath(runId: string): string {
    return join(this.runsDir, runId, 'run.json');
  }

  /** Notes a save; a failure here only costs the next listing a read of this record. */
  async noteSaved(record: RunRecord): Promise<void> {
    const stamp = fileStamp(this.recordPath(record.runId));
    if (stamp === undefined) return;
    await appendFile(this.file, lineText({ summary: summaryOf(record), stamp })).catch(
      () => undefined,
    );
  }

  private async readLines(): Promise<{ latest: Map<string, IndexLine>; count: number }> {
    const latest = new Map<string, IndexLine>();
    let count = 0;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return { latest, count };
    }
    for (const raw of text.split('\n')) {
      if (raw === '') continue;
      count++;
      try {
        const line = JSON.parse(raw) as IndexLine;
        if (typeof line.summary?.runId === 'string' && typeof line.stamp === 'string') {
          latest.set(line.summary.runId, line);
        }
      } catch {
        // A line cut short by a killed process: the record is read again instead.
      }
    }
    return { latest, count };
  }

  /**
   * Every run's summary, newest first, checked against the records on disk. `read` parses a
   * record that must be read again (and says why it cannot).
   */
  async list(read: (runId: string) => Promise<RunRecord>): Promise<{
    summaries: RunSummary[];
    corrupt: { runId: string; problem: string }[];
  }> {
    let ids: string[];
    try {
      ids = (await readdir(this.runsDir, { withFileTypes: true }))
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      return { summaries: [], corrupt: [] };
    }
    const { latest, count } = await this.readLines();
    const summaries: RunSummary[] = [];
    const corrupt: { runId: string; problem: string }[] = [];
    const fresh: IndexLine[] = [];
    for (const runId of ids) {
      const stamp = fileStamp(this.recordPath(runId));
      const known = latest.get(runId);
      if (known !== undefined && known.stamp === stamp) {
        summaries.push(known.summary);
        continue;
      }
      try {
        const summary = summaryOf(await read(runId));
        summaries.push(summary);
        if (stamp !== undefined) fresh.push({ summary, stamp });
      } catch (error) {
        corrupt.push({ runId, problem: (error as Error).message });
      }
    }
    summaries.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    await this.update(fresh, count + fresh.length, summaries).catch(() => undefined);
    return { summaries, corrupt };
  }

  /** Adds the lines read again; rewrites the index when it holds far more lines than runs. */
  private async update(fresh: IndexLine[], lines: number, summaries: RunSummary[]) {
    if (lines > 2 * summaries.length + 64) {
      // Read again just before rewriting, so lines added meanwhile are kept (each line is
      // kept whole: a summary always goes with the stamp it was written with).
      const { latest } = await this.readLines();
      const freshById = new Map(fresh.map((l) => [l.summary.runId, l]));
      const text = summaries
        .map((s) => freshById.get(s.runId) ?? latest.get(s.runId))
        .filter((line) => line !== undefined)
        .map(lineText)
        .join('');
      await writeFileAtomic(this.file, text);
    } else if (fresh.length > 0) {
      await appendFile(this.file, fresh.map(lineText).join(''));
    }
  }
}
