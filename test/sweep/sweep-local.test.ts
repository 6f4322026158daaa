// Sweeps on the local platform through the real CLI: one failing point does not stop the
// others (unless --fail-fast), --max-hours refuses before anything runs, a bad `sweep:`
// exits 2 with its problems, and `sweep show` reports params, status and metrics with the
// best point marked.

import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from '../../src/run/record.js';
import type { SweepRow } from '../../src/sweep/sweep-table.js';
import { cli, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const JOB = [
  'import json, os, sys',
  'params = json.loads(os.environ["KAGGLE_RUN_PARAMS"])',
  'os.makedirs("results", exist_ok=True)',
  'json.dump({"loss": round(abs(params["lr"] - 0.3), 6), "acc": params["lr"], "name": "x"}, open("results/metrics.json", "w"))',
  'print("lr", params["lr"])',
  'if params["lr"] == 0.5:',
  '    sys.exit(3)',
  '',
].join('\n');

async function localProject(t: TestContext, yaml: string): Promise<string> {
  const dir = join(await tempDir(t), 'loc');
  await mkdir(dir);
  await writeFile(join(dir, 'train.py'), JOB);
  await writeFile(join(dir, 'kaggle-run.yaml'), `name: loc\nentry: train.py\n${yaml}`);
  return dir;
}

interface SweepJson {
  sweepId: string;
  exitCode: number;
  points: (RunRecord | { runId: null; status: string })[];
}

void test('one failing point does not stop the others; the sweep exits with its code', async (t) => {
  const dir = await localProject(
    t,
    'params: {lr: 0.1}\nmetrics: results/metrics.json\nsweep: {lr: [0.1, 0.5, 0.3, 0.9]}\n',
  );
  const result = await runCli(['run', dir, '--json', '--max-parallel', '1']);
  assert.equal(result.code, 1, result.stderr);
  const sweep = JSON.parse(result.stdout) as SweepJson;
  assert.deepEqual(
    sweep.points.map((p) => p.status),
    ['complete', 'error', 'complete', 'complete'],
  );
  assert.match(result.stderr, /\[kaggle-run\] \[lr=0\.5\] error/);
  // One point prepares at a time: each run is made only once the one before it has pushed.
  const runs = sweep.points as RunRecord[];
  for (let i = 1; i < runs.length; i++) {
    assert.ok(
      runs[i]!.createdAt >= runs[i - 1]!.startedAt!,
      `point ${i} made at ${runs[i]!.createdAt}, before point ${i - 1} pushed at ${runs[i - 1]!.startedAt}`,
    );
  }

  const show = await cli(['sweep', 'show', sweep.sweepId, '--json', '--best', '-loss'], {
    cwd: dir,
  });
  assert.equal(show.code, 0, show.stderr);
  const rows = (JSON.parse(show.stdout) as { points: SweepRow[] }).points;
  assert.equal(rows.length, 4);
  assert.deepEqual(rows[2]?.params, { lr: 0.3 });
  assert.equal(rows[2]?.best, true);
  assert.deepEqual(
    rows.map((r) => r.best),
    [false, false, true, false],
  );
  assert.deepEqual(rows[3]?.metrics, { loss: 0.6, acc: 0.9 }); // strings are not metrics
  assert.equal(rows[1]?.status, 'error');
  assert.equal(rows[0]?.acceleratorSeen, 'none');
  assert.equal(typeof rows[0]?.durationSeconds, 'number');

  const maxAcc = await cli(['sweep', 'show', 'last-sweep', '--json', '--best', 'acc'], {
    cwd: dir,
  });
  const accRows = (JSON.parse(maxAcc.stdout) as { points: SweepRow[] }).points;
  assert.equal(
    accRows.findIndex((r) => r.best),
    3,
  );

  const csv = await cli(['sweep', 'show', sweep.sweepId, '--csv', '--best', 'loss', '--minimize'], {
    cwd: dir,
  });
  assert.equal(csv.code, 0, csv.stderr);
  const lines = csv.stdout.trim().split('\n');
  assert.equal(
    lines[0],
    'point,lr,status,duration_s,accelerator_seen,run_id,metrics.acc,metrics.loss,best',
  );
  assert.equal(lines.length, 5);
  assert.match(lines[3] ?? '', /^2,0\.3,complete,[\d.]+,none,[^,]+,0\.3,0,true$/);

  const plain = await cli(['sweep', 'show', sweep.sweepId, '--best', '-loss'], { cwd: dir });
  assert.match(plain.stdout, /^\*\s+2\s+0\.3\s+complete/m);

  const unknown = await cli(['sweep', 'show', sweep.sweepId, '--best', 'f1'], { cwd: dir });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /metrics found: acc, loss|metrics found: loss, acc/);
});

void test('--fail-fast starts no more points after one fails', async (t) => {
  const dir = await localProject(t, 'params: {lr: 0.1}\nsweep: {lr: [0.1, 0.5, 0.3, 0.9]}\n');
  const result = await runCli(['run', dir, '--json', '--max-parallel', '1', '--fail-fast']);
  assert.equal(result.code, 1, result.stderr);
  const sweep = JSON.parse(result.stdout) as SweepJson;
  assert.deepEqual(
    sweep.points.map((p) => p.status),
    ['complete', 'error', 'skipped', 'skipped'],
  );
  assert.equal((await readdir(join(dir, '.kaggle-run', 'runs'))).length, 2);
});

void test('--sweep flags make a sweep of a job without one; --max-hours refuses before running', async (t) => {
  const dir = await localProject(t, 'params: {lr: 0.1}\ntimeout: 1h\n');
  const refused = await cli(['run', dir, '--sweep', 'lr=0.1,0.2,0.3', '--max-hours', '2']);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(
    refused.stderr,
    /3 points x 1\.0 h timeout = 3\.0 h, over --max-hours 2; 2 points fit/,
  );
  assert.equal((await readdir(join(dir, '.kaggle-run')).catch(() => [])).length, 0);

  const ok = await cli(['run', dir, '--sweep', 'lr=0.1,0.2', '--max-hours', '2']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^\[lr=0\.2\] lr 0\.2$/m);
  assert.match(ok.stderr, /\[kaggle-run\] \[lr=0\.1\] started/);
  assert.match(ok.stderr, /2\/2 points complete/);

  const bad = await cli(['run', dir, '--sweep', 'lr=0.1,fast']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /must be a number/);
});

void test('a bad sweep in the file exits 2 with every problem, before anything runs', async (t) => {
  const dir = await localProject(t, 'params: {lr: 0.1}\nsweep:\n  lr: []\n  9x: [1]\n');
  const result = await cli(['run', dir, '--json']);
  assert.equal(result.code, 2, result.stderr);
  const error = (
    JSON.parse(result.stdout) as { error: { problems: { path: string; line: number }[] } }
  ).error;
  assert.deepEqual(
    error.problems.map((p) => [p.path, p.line]),
    [
      ['sweep.lr', 5],
      ['sweep.9x', 6],
    ],
  );
});

void test("the sweep noun: `sweep run` takes run's options, `sweep attach` resumes, `attach` tells runs from sweeps by rule", async (t) => {
  const dir = await localProject(t, 'params: {lr: 0.1}\n');
  const plain = await runCli(['sweep', 'run', dir]);
  assert.equal(plain.code, 2, 'a job without a sweep is not run as one run');
  assert.match(plain.stderr, /declares no sweep/);

  const result = await runCli(['sweep', 'run', dir, '--sweep', 'lr=0.1,0.3', '--json']);
  assert.equal(result.code, 0, result.stderr);
  const sweep = JSON.parse(result.stdout) as SweepJson;
  assert.deepEqual(
    sweep.points.map((p) => p.status),
    ['complete', 'complete'],
  );
  const list = await runCli(['sweep', 'list', '--json'], { cwd: dir });
  assert.deepEqual(
    (JSON.parse(list.stdout) as { sweepId: string }[]).map((s) => s.sweepId),
    [sweep.sweepId],
  );
  // Every point complete: resuming runs nothing, by its noun and by `attach SWEEP`.
  for (const args of [
    ['sweep', 'attach', sweep.sweepId, '--json'],
    ['attach', sweep.sweepId, '--json'],
    ['attach', 'last-sweep', '--json'],
  ]) {
    const resumed = await runCli(args, { cwd: dir });
    assert.equal(resumed.code, 0, `${args.join(' ')}: ${resumed.stderr}`);
    assert.equal((JSON.parse(resumed.stdout) as SweepJson).sweepId, sweep.sweepId);
  }
  // `loc` is part of the sweep's id and of its points' run ids: refused, not guessed.
  const ambiguous = await runCli(['attach', 'loc'], { cwd: dir });
  assert.equal(ambiguous.code, 2);
  assert.match(ambiguous.stderr, /is part of run .* and of sweep/);
  const runs = await readdir(join(dir, '.kaggle-run', 'runs'));
  assert.equal(runs.length, 2, 'one run per point, none added by the resumes');
});
