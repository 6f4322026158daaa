// The bodies of `kaggle-run sweep show` and `sweep list`, loaded only when one of them runs.

import { resolve } from 'node:path';
import { storeForDir } from '../../store/store-for-dir.js';
import { SweepStore } from '../../sweep/sweep-store.js';
import { parseBest, rowColumns, rowsToCsv, sweepRows } from '../../sweep/sweep-table.js';
import type { SweepRow } from '../../sweep/sweep-table.js';
import { reportError } from '../exit.js';
import type { CliIo } from '../io.js';
import { formatDuration } from '../output-mode.js';
import { paramText } from '../../config/param-value.js';

function table(rows: SweepRow[]): string {
  const { params, metrics } = rowColumns(rows);
  const header = [
    '',
    '#',
    ...params,
    'status',
    'duration',
    'accel',
    ...metrics.map((m) => `metrics.${m}`),
  ];
  const body = rows.map((r) => [
    r.best ? '*' : '',
    String(r.index),
    ...params.map((p) => {
      const value = r.params[p];
      return value === undefined ? '' : paramText(value);
    }),
    r.status,
    r.durationSeconds === null ? '' : formatDuration(r.durationSeconds),
    r.acceleratorSeen ?? '',
    ...metrics.map((m) => (r.metrics[m] === undefined ? '' : String(r.metrics[m]))),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  return [header, ...body]
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export async function showSweep(
  ref: string,
  opts: { dir?: string; best?: string; minimize?: true; json?: true; csv?: true },
  io: CliIo,
  setExit: (code: number) => void,
): Promise<void> {
  try {
    const store = await storeForDir(resolve(io.cwd, opts.dir ?? '.'), io.env);
    const record = await new SweepStore(store).resolve(ref);
    const best = opts.best === undefined ? undefined : parseBest(opts.best, opts.minimize === true);
    const rows = await sweepRows(record, store, best);
    if (opts.json) {
      io.stdout(
        `${JSON.stringify({ sweepId: record.sweepId, job: record.job, metricsFile: record.metrics, ...(best === undefined ? {} : { bestBy: best }), points: rows }, null, 2)}\n`,
      );
    } else if (opts.csv) {
      io.stdout(rowsToCsv(rows));
    } else {
      io.stdout(`sweep ${record.sweepId} (${record.job}, ${record.platform})\n${table(rows)}\n`);
    }
  } catch (error) {
    setExit(reportError(error, io, opts.json === true));
  }
}

export async function listSweeps(
  opts: { dir?: string; json?: true },
  io: CliIo,
  setExit: (code: number) => void,
): Promise<void> {
  try {
    const store = await storeForDir(resolve(io.cwd, opts.dir ?? '.'), io.env);
    const sweeps = new SweepStore(store);
    const records = [];
    for (const id of await sweeps.ids()) records.push(await sweeps.load(id));
    const summary = records.map((r) => ({
      sweepId: r.sweepId,
      job: r.job,
      platform: r.platform,
      points: r.points.length,
      complete: r.points.filter((p) => p.status === 'complete').length,
      createdAt: r.createdAt,
      endedAt: r.endedAt,
    }));
    if (opts.json) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
    else
      for (const s of summary)
        io.stdout(`${s.sweepId}  ${s.complete}/${s.points} complete  ${s.platform}\n`);
  } catch (error) {
    setExit(reportError(error, io, opts.json === true));
  }
}
