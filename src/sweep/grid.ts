// A sweep's points: the cartesian product of a grid, or an explicit list of param sets;
// `--sweep KEY=V1,V2` flags override or extend the file's grid. Each point has a short
// label (`[lr=0.1,seed=1]`) and a stable key (a hash of its sorted values) that names its
// Kaggle kernel, so re-running a point adds a version to the same kernel.

import type { SweepSpec } from '../config/schema.js';
import { exactJson, paramText } from '../config/param-value.js';
import { coerceParam, parseParamFlag } from '../config/params.js';
import { UsageError } from '../errors.js';
import type { ParamValue, Params } from '../job.js';
import { sha256Hex } from '../util/hash.js';
import { jobSlug } from '../util/slug.js';

/** More points than this is almost certainly a typo in the grid. */
export const MAX_POINTS = 1000;

export type Grid = Record<string, ParamValue[]>;

/** The cartesian product, first key slowest: `{a: [1, 2], b: [3, 4]}` -> a1b3 a1b4 a2b3 a2b4. */
export function expandGrid(grid: Grid): Params[] {
  let points: Params[] = [{}];
  for (const [name, values] of Object.entries(grid)) {
    points = points.flatMap((point) => values.map((value) => ({ ...point, [name]: value })));
  }
  return points;
}

/** Parses repeatable `--sweep KEY=V1,V2` flags; values are coerced like -p values. */
export function parseSweepFlags(flags: readonly string[], declared: Params): Grid {
  const grid: Grid = {};
  for (const raw of flags) {
    const { key, value } = parseParamFlag(raw);
    const parts = value.split(',');
    if (parts.some((part) => part.trim() === '')) {
      throw new UsageError(`--sweep ${raw}: an empty value in the list`, {
        hint: 'write it as --sweep KEY=V1,V2,V3, e.g. --sweep lr=0.1,0.01',
      });
    }
    grid[key] = parts.map((part) =>
      coerceParam(part, Object.hasOwn(declared, key) ? declared[key] : undefined, key),
    );
  }
  return grid;
}

/**
 * The points of a sweep. A grid from the file is extended (or, key by key, overridden) by
 * the flags' grid; a list from the file gets every flag-grid combination applied to each
 * of its points. Duplicate points are dropped: they would be the same kernel.
 */
export function sweepPoints(spec: SweepSpec | undefined, flags: Grid): Params[] {
  let points: Params[];
  if (spec === undefined || !Array.isArray(spec)) {
    points = expandGrid({ ...(spec ?? {}), ...flags });
  } else {
    const extra = expandGrid(flags);
    points = spec.flatMap((point) => extra.map((values) => ({ ...point, ...values })));
  }
  const seen = new Set<string>();
  const unique = points.filter((point) => {
    const key = pointKey(point);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (unique.length > MAX_POINTS) {
    throw new UsageError(`the sweep has ${unique.length} points, more than ${MAX_POINTS}`, {
      hint: 'narrow the grid in `sweep:` or the --sweep flags',
    });
  }
  return unique;
}

function sortedEntries(point: Params): [string, ParamValue][] {
  return Object.entries(point).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A stable short hash of the point's sorted values (`lr: 1` and `lr: "1"` differ). */
export function pointKey(point: Params): string {
  return sha256Hex(exactJson(sortedEntries(point))).slice(0, 8);
}

/** `lr=0.1,seed=1`, in the point's own key order (as the grid was written). */
export function pointLabel(point: Params): string {
  const parts = Object.entries(point).map(([k, v]) => `${k}=${paramText(v)}`);
  return parts.length > 0 ? parts.join(',') : 'base';
}

/** `kaggle-run-<name>-<key>`, at most 50 characters (Kaggle's slug limit). */
export function pointKernelSlug(jobName: string, point: Params): string {
  return jobSlug(jobName, pointKey(point));
}
