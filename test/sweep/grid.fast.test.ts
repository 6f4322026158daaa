// Sweep points: grid expansion, the list form, --sweep flags, stable kernel slugs, and the
// config's problem reporting for a bad `sweep:`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveJob, type JobOverrides } from '../../src/config/resolve.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import {
  expandGrid,
  parseSweepFlags,
  pointKernelSlug,
  pointKey,
  pointLabel,
  sweepPoints,
} from '../../src/sweep/grid.js';
import { checkMaxHours } from '../../src/sweep/budget.js';
import { planSweep } from '../../src/sweep/plan-sweep.js';
import { tempDir } from '../helpers/temp.js';

void test('a grid expands to its cartesian product, first key slowest', () => {
  const points = expandGrid({ lr: [0.1, 0.01], seed: [1, 2, 3] });
  assert.equal(points.length, 6);
  assert.deepEqual(points[0], { lr: 0.1, seed: 1 });
  assert.deepEqual(points[2], { lr: 0.1, seed: 3 });
  assert.deepEqual(points[5], { lr: 0.01, seed: 3 });
  assert.equal(new Set(points.map(pointKey)).size, 6);
});

void test('the list form runs each param set; flags override the grid or extend each point', () => {
  assert.deepEqual(sweepPoints([{ lr: 0.1 }, { lr: 0.01, seed: 2 }], {}), [
    { lr: 0.1 },
    { lr: 0.01, seed: 2 },
  ]);
  assert.deepEqual(sweepPoints([{ lr: 0.1 }, { lr: 0.01 }], { seed: [1, 2] }), [
    { lr: 0.1, seed: 1 },
    { lr: 0.1, seed: 2 },
    { lr: 0.01, seed: 1 },
    { lr: 0.01, seed: 2 },
  ]);
  // --sweep lr=... replaces the file's lr values; seed is kept.
  assert.deepEqual(sweepPoints({ lr: [0.1, 0.2], seed: [1] }, { lr: [0.5] }), [
    { lr: 0.5, seed: 1 },
  ]);
  // duplicates would be the same kernel: dropped
  assert.equal(sweepPoints([{ lr: 1 }, { lr: 1 }], {}).length, 1);
});

void test('--sweep values are coerced like -p values, by the declared type', () => {
  const grid = parseSweepFlags(['lr=0.1,1e-3', 'tag=007,x', 'fast=yes,no', 'n=3,x'], {
    lr: 0.5,
    tag: 'a',
    fast: false,
  });
  assert.deepEqual(grid, {
    lr: [0.1, 0.001],
    tag: ['007', 'x'],
    fast: [true, false],
    n: [3, 'x'],
  });
  assert.throws(() => parseSweepFlags(['lr=0.1,abc'], { lr: 0.5 }), UsageError);
  assert.throws(() => parseSweepFlags(['lr=0.1,,0.2'], {}), /empty value/);
  assert.throws(() => parseSweepFlags(['lr'], {}), /no "="/);
});

void test('kernel slugs are stable, per point, order-independent and at most 50 characters', () => {
  const a = pointKernelSlug('hello', { lr: 0.1, seed: 1 });
  assert.equal(a, pointKernelSlug('hello', { seed: 1, lr: 0.1 }));
  assert.notEqual(a, pointKernelSlug('hello', { lr: 0.1, seed: 2 }));
  assert.notEqual(pointKernelSlug('hello', { lr: 1 }), pointKernelSlug('hello', { lr: '1' }));
  assert.match(a, /^kaggle-run-hello-[0-9a-f]{8}$/);
  const long = pointKernelSlug('a very long job name that goes on and on and on forever', { x: 1 });
  assert.ok(long.length <= 50, long);
  assert.match(long, /^kaggle-run-a-very-long[a-z0-9-]*[a-z0-9]-[0-9a-f]{8}$/);
  assert.equal(pointLabel({ lr: 0.1, seed: 1, tag: null }), 'lr=0.1,seed=1,tag=null');
});

void test('--max-hours refuses a sweep whose worst case is over it, naming how many points fit', () => {
  assert.doesNotThrow(() => checkMaxHours({ points: 4, timeoutSeconds: 1800, maxHours: 2 }));
  assert.throws(
    () => checkMaxHours({ points: 6, timeoutSeconds: 3600, maxHours: 4 }),
    (error: unknown) =>
      error instanceof UsageError &&
      error.exitCode === 2 &&
      /6 points/.test(error.message) &&
      /4 points fit/.test(error.message),
  );
});

async function project(dir: string, yaml: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'train.py'), 'print(1)\n');
  await writeFile(join(dir, 'kaggle-run.yaml'), yaml);
  return dir;
}

void test('a bad sweep is reported with paths and lines, every problem at once', async (t) => {
  const dir = await project(
    join(await tempDir(t), 'p'),
    [
      'entry: train.py',
      'params:',
      '  lr: 0.1',
      '  depth: [1, 2]',
      'sweep:',
      '  lr: ["fast"]',
      '  2bad: [1]',
      '  seed: []',
      '  depth: [{a: 1}]',
      '',
    ].join('\n'),
  );
  await assert.rejects(resolveJob(dir), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    const byPath = Object.fromEntries(error.problems.map((p) => [p.path, p]));
    assert.match(byPath['sweep.lr.0']?.message ?? '', /is a string but `params.lr` is a number/);
    assert.equal(byPath['sweep.lr.0']?.line, 6);
    assert.match(byPath['sweep.2bad']?.message ?? '', /not a valid param name/);
    assert.match(byPath['sweep.seed']?.message ?? '', /at least one value/);
    assert.match(
      byPath['sweep.depth.0']?.message ?? '',
      /is a mapping but `params.depth` is a list/,
    );
    return true;
  });
  const list = await project(
    join(await tempDir(t), 'q'),
    'entry: train.py\nsweep:\n  - {lr: 0.1}\n  - 3\n  - {"a-b": 1}\n',
  );
  await assert.rejects(resolveJob(list), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    const paths = error.problems.map((p) => p.path);
    assert.ok(paths.includes('sweep.1'), paths.join());
    assert.ok(paths.includes('sweep.2.a-b'), paths.join());
    return true;
  });
  const scalar = await project(join(await tempDir(t), 'r'), 'entry: train.py\nsweep: 3\n');
  await assert.rejects(resolveJob(scalar), /grid/);
});

/** The sweep of the project in `dir`, its job resolved once as the sweep runner does. */
async function planIn(dir: string, overrides: JobOverrides, sweepFlags: string[]) {
  const { job } = await resolveJob(dir, overrides, {});
  return planSweep({ job, env: {}, overrides, sweepFlags });
}

void test('planSweep: points from the file and flags, each with its own kernel; no sweep is an error', async (t) => {
  const dir = await project(
    join(await tempDir(t), 'p'),
    'name: demo\nentry: train.py\nparams: {lr: 0.1, seed: 0}\nsweep: {lr: [0.1, 0.01]}\nmetrics: out.json\n',
  );
  const plan = await planIn(dir, {}, ['seed=1,2,3']);
  assert.equal(plan.record.points.length, 6);
  assert.equal(plan.record.metrics, 'out.json');
  assert.equal(plan.record.maxParallel, 2); // local CPU
  assert.deepEqual(plan.record.points[1]?.params, { lr: 0.1, seed: 2 });
  assert.equal(new Set(plan.record.points.map((p) => p.kernelSlug)).size, 6);
  const plain = await project(join(await tempDir(t), 'q'), 'entry: train.py\n');
  await assert.rejects(planIn(plain, {}, []), /declares no sweep/);
  const gpu = await planIn(dir, { platform: 'kaggle', accelerator: 'gpu' }, []);
  assert.equal(gpu.record.maxParallel, 2);
  const cpu = await planIn(dir, { platform: 'kaggle' }, []);
  assert.equal(cpu.record.maxParallel, 8);
});

void test("planSweep: a library caller's limits meet the schemas the flags meet", async (t) => {
  const dir = await project(
    join(await tempDir(t), 'p'),
    'entry: train.py\nparams: {lr: 0.1}\nsweep: {lr: [0.1, 0.01]}\n',
  );
  const { job } = await resolveJob(dir, {}, {});
  const plan = (limits: { maxParallel?: number; maxHours?: number }) =>
    planSweep({ job, env: {}, overrides: {}, sweepFlags: [], ...limits });
  await assert.rejects(plan({ maxParallel: 0 }), /--max-parallel: must be at least 1/);
  await assert.rejects(plan({ maxParallel: 2.5 }), /--max-parallel: must be a whole number/);
  await assert.rejects(plan({ maxHours: 0 }), /--max-hours: must be more than 0/);
  await assert.rejects(plan({ maxHours: Infinity }), /--max-hours: must be a number of hours/);
  assert.equal((await plan({ maxParallel: 3, maxHours: 100 })).record.maxParallel, 3);
});
