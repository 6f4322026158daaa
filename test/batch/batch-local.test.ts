// Batches on the local platform through the real CLI: 7 items, 3 per session -> 3 runs (3, 2
// and 2 items: balanced); each
// item's outputs merged into items/<id>/, items.jsonl with one line per item, a failing item
// reported without stopping the others; `attach SWEEP` runs only a chunk that never ran;
// flags over the file; and the refusals (a batch with a sweep, a bad inputs line).

import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchItemResult } from '../../src/batch/merge-items.js';
import type { SweepRecord } from '../../src/sweep/sweep-store.js';
import { cli, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { BATCH_JOB, TEXTS, checkMerged, type BatchJson } from './helpers.js';

async function batchProject(t: TestContext, yaml: string): Promise<string> {
  const dir = join(await tempDir(t), 'batchy');
  await mkdir(dir);
  await writeFile(join(dir, 'job.py'), BATCH_JOB);
  await writeFile(
    join(dir, 'inputs.jsonl'),
    TEXTS.map((text, i) => JSON.stringify({ key: `k${i + 1}`, text })).join('\n') + '\n',
  );
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    `name: batchy\nentry: job.py\nparams: {text: "", times: 2}\n${yaml}`,
  );
  return dir;
}

void test('7 items, 3 per session: 3 runs, outputs merged per item, the failing item reported', async (t) => {
  const dir = await batchProject(t, 'batch: {file: inputs.jsonl, per_session: 3, id: key}\n');
  const result = await runCli(['run', dir, '--json']);
  assert.equal(result.code, 1, result.stderr);
  const batch = JSON.parse(result.stdout) as BatchJson;
  assert.equal(batch.points.length, 3);
  assert.deepEqual(
    batch.points.map((p) => p.status),
    ['complete', 'error', 'complete'],
  );
  for (const run of batch.points) assert.equal(run.sweepId, batch.sweepId);
  const outputDir = join(dir, '.kaggle-run', 'sweeps', batch.sweepId, 'outputs');
  await checkMerged(outputDir, batch.items);
  assert.deepEqual(
    batch.items.map((i) => i.runId),
    [0, 0, 0, 1, 1, 2, 2].map((n) => batch.points[n]!.runId),
  );
  assert.equal((await readdir(join(dir, '.kaggle-run', 'runs'))).length, 3);

  // A chunk that never ran (as after a crash before its push): attach runs that one only.
  // Chunk 2 ran all its items (one failed): it is not run again.
  const file = join(dir, '.kaggle-run', 'sweeps', batch.sweepId, 'sweep.json');
  const record = JSON.parse(await readFile(file, 'utf8')) as SweepRecord;
  const third = record.points[2]!;
  await rm(join(dir, '.kaggle-run', 'runs', third.runId!), { recursive: true });
  Object.assign(third, { runId: null, status: 'pending', exitCode: null });
  await writeFile(file, JSON.stringify(record));
  await rm(join(outputDir, 'items', 'k7'), { recursive: true });
  const attached = await cli(['attach', batch.sweepId, '--json'], { cwd: dir });
  assert.equal(attached.code, 1, attached.stderr);
  const resumed = JSON.parse(attached.stdout) as BatchJson;
  assert.equal(resumed.points[0]?.runId, batch.points[0]?.runId);
  assert.equal(resumed.points[1]?.runId, batch.points[1]?.runId);
  assert.notEqual(resumed.points[2]?.runId, batch.points[2]?.runId);
  assert.equal((await readdir(join(dir, '.kaggle-run', 'runs'))).length, 3);
  await checkMerged(outputDir, resumed.items);
});

void test('--batch and --per-session over the file; CSV input; --output-dir; the plain summary', async (t) => {
  const dir = await batchProject(t, 'batch: {file: nothing.jsonl, per_session: 50}\n');
  const rows = TEXTS.map((text, i) => `x${i + 1},${text}`).join('\n');
  await writeFile(join(dir, 'inputs.csv'), `name,text\n${rows}\n`);
  const out = join(dir, 'merged');
  const result = await runCli(
    ['run', '.', '--batch', 'inputs.csv', '--per-session', '4', '--output-dir', 'merged'],
    { cwd: dir },
  );
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /items in 2 sessions, .*: 6 ok, 1 failed, 0 missing/);
  assert.match(result.stderr, /failed 0005 \(chunk 2\): cannot handle the bad text/);
  const lines = (await readFile(join(out, 'items.jsonl'), 'utf8')).trim().split('\n');
  const items = lines.map((l) => JSON.parse(l) as BatchItemResult);
  assert.deepEqual(
    items.map((i) => [i.id, i.status]),
    TEXTS.map((text, i) => [String(i + 1).padStart(4, '0'), text === 'bad' ? 'error' : 'ok']),
  );
  assert.equal(await readFile(join(out, 'items/0002/out/result.txt'), 'utf8'), '0002:BB');
  // Only the merged layout is in the output folder (each chunk keeps its own run outputs).
  assert.deepEqual((await readdir(out)).sort(), ['items', 'items.jsonl']);
});

void test('a batch and a sweep together are refused; a bad inputs line exits 2 with file:line', async (t) => {
  const dir = await batchProject(t, 'batch: {file: inputs.jsonl, per_session: 3}\n');
  const both = await cli(['run', dir, '--sweep', 'times=1,2']);
  assert.equal(both.code, 2, both.stderr);
  assert.match(both.stderr, /batchy has both a batch and a sweep; run one at a time/);

  await writeFile(join(dir, 'inputs.jsonl'), '{"text": "a"}\n{"text": [1]}\n');
  const bad = await cli(['run', dir]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /inputs\.jsonl:2: field "text" is a list/);
  assert.ok(!existsSync(join(dir, '.kaggle-run', 'runs')));

  const perSession = await cli(['run', dir, '--batch', 'inputs.jsonl', '--per-session', '0']);
  assert.equal(perSession.code, 2);
  assert.match(perSession.stderr, /--per-session: must be at least 1, got a number \(0\)/);

  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    'name: batchy\nentry: job.py\nbatch: {file: inputs.txt, per_session: 0}\n',
  );
  const schema = await cli(['run', dir]);
  assert.equal(schema.code, 2);
  assert.match(
    schema.stderr,
    /batch\.file: "inputs\.txt" is not a \.jsonl, \.ndjson or \.csv file/,
  );
  assert.match(schema.stderr, /batch\.per_session: must be at least 1/);
});

const LOOP_JOB = [
  'import os',
  'from kaggle_run_items import items',
  'print("loading the model", flush=True)',
  'for item in items():',
  '    with item:',
  '        with open(item.path("out", "result.txt"), "w") as f:',
  '            f.write("%s:%s" % (item.id, item.params["text"].upper() * item.params["times"]))',
  '        if item.params["text"] == "bad":',
  '            raise RuntimeError("cannot handle the bad text")',
  '',
].join('\n');

void test('loop mode: one run per session iterates its items; merged as in per-item mode', async (t) => {
  const dir = await batchProject(t, 'batch: {file: inputs.jsonl, per_session: 3, id: key}\n');
  await writeFile(join(dir, 'job.py'), LOOP_JOB);
  const result = await runCli(['run', dir, '--batch-mode', 'loop', '--json']);
  assert.equal(result.code, 1, result.stderr);
  const batch = JSON.parse(result.stdout) as BatchJson & { outputDir: string };
  assert.equal(batch.points.length, 3);
  // The program (and its model) started once per session, not once per item.
  assert.equal(result.stderr.match(/loading the model/g)?.length, 3);
  assert.equal(batch.outputDir, join(dir, '.kaggle-run', 'sweeps', batch.sweepId, 'outputs'));
  await checkMerged(batch.outputDir, batch.items);
  for (const item of batch.items) assert.equal(typeof item.seconds, 'number');
  const record = JSON.parse(
    await readFile(join(dir, '.kaggle-run', 'sweeps', batch.sweepId, 'sweep.json'), 'utf8'),
  ) as SweepRecord;
  assert.equal(record.batch?.mode, 'loop');

  const bad = await cli(['run', dir, '--batch-mode', 'each']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--batch-mode: must be per-item or loop, got a string \("each"\)/);
});
