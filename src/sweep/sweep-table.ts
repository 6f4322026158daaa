// `sweep show`: one row per point (params, status, duration, accelerator seen, and the
// numbers in the metrics file the job wrote to its outputs), and the best point by a metric.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import type { Params } from '../job.js';
import type { RunStore } from '../store/run-store.js';
import type { PointStatus, SweepRecord } from './sweep-store.js';
import { paramText } from '../config/param-value.js';

export interface SweepRow {
  index: number;
  label: string;
  params: Params;
  status: PointStatus;
  runId: string | null;
  durationSeconds: number | null;
  acceleratorSeen: string | null;
  metrics: Record<string, number>;
  best: boolean;
}

export interface BestBy {
  metric: string;
  minimize: boolean;
}

/** `--best loss --minimize`, or `--best -loss`: lower is better. */
export function parseBest(metric: string, minimize: boolean): BestBy {
  const lower = metric.startsWith('-');
  const name = lower ? metric.slice(1) : metric;
  if (name === '') throw new UsageError('--best needs a metric name, e.g. --best -loss');
  return { metric: name, minimize: minimize || lower };
}

/** The numbers of a metrics JSON object (nested objects flatten to `a.b`); {} when absent. */
export async function readMetrics(path: string): Promise<Record<string, number>> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return {};
  }
  const out: Record<string, number> = {};
  const walk = (node: unknown, prefix: string) => {
    if (typeof node === 'number' && Number.isFinite(node)) out[prefix] = node;
    else if (typeof node === 'object' && node !== null && !Array.isArray(node)) {
      for (const [k, v] of Object.entries(node)) walk(v, prefix === '' ? k : `${prefix}.${k}`);
    }
  };
  walk(value, '');
  return out;
}

export async function sweepRows(
  sweep: SweepRecord,
  store: RunStore,
  best?: BestBy,
): Promise<SweepRow[]> {
  const rows: SweepRow[] = [];
  for (const point of sweep.points) {
    const run =
      point.runId === null ? undefined : await store.load(point.runId).catch(() => undefined);
    const took =
      run?.startedAt && run.endedAt
        ? (Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000
        : null;
    rows.push({
      index: point.index,
      label: point.label,
      params: point.params,
      status: run?.step === 'done' ? run.status : point.status,
      runId: point.runId,
      durationSeconds: took,
      acceleratorSeen: run?.acceleratorSeen?.kind ?? null,
      metrics:
        run !== undefined && sweep.metrics !== null
          ? await readMetrics(join(run.outputDir, sweep.metrics))
          : {},
      best: false,
    });
  }
  if (best !== undefined) {
    let pick: SweepRow | undefined;
    for (const row of rows) {
      const value = row.metrics[best.metric];
      if (value === undefined) continue;
      const current = pick?.metrics[best.metric];
      if (current === undefined || (best.minimize ? value < current : value > current)) pick = row;
    }
    if (pick === undefined) {
      const known = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))];
      throw new UsageError(`no point has the metric ${JSON.stringify(best.metric)}`, {
        hint:
          known.length > 0
            ? `metrics found: ${known.join(', ')}`
            : sweep.metrics === null
              ? 'name the metrics file in kaggle-run.yaml, e.g. `metrics: results/metrics.json`'
              : `no point has ${sweep.metrics} among its outputs`,
      });
    }
    pick.best = true;
  }
  return rows;
}

/** Column names: index, params (sorted), status, duration, accelerator, metrics (sorted). */
export function rowColumns(rows: SweepRow[]): { params: string[]; metrics: string[] } {
  const params = [...new Set(rows.flatMap((r) => Object.keys(r.params)))].sort();
  const metrics = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))].sort();
  return { params, metrics };
}

function csvCell(value: string | number | boolean | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function rowsToCsv(rows: SweepRow[]): string {
  const { params, metrics } = rowColumns(rows);
  const header = [
    'point',
    ...params,
    'status',
    'duration_s',
    'accelerator_seen',
    'run_id',
    ...metrics.map((m) => `metrics.${m}`),
    'best',
  ];
  const lines = [header.map(csvCell).join(',')];
  for (const r of rows) {
    lines.push(
      [
        r.index,
        ...params.map((p) => {
          const value = r.params[p];
          return value === undefined || value === null ? null : paramText(value);
        }),
        r.status,
        r.durationSeconds === null ? null : r.durationSeconds.toFixed(3),
        r.acceleratorSeen,
        r.runId,
        ...metrics.map((m) => r.metrics[m]),
        r.best ? 'true' : '',
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
