// Numbers that JavaScript's JSON cannot hold exactly (ints beyond 2**53, whole floats, nan and
// inf) keep their value from a batch's JSON lines and a sweep's values to the program, in the
// sweep record, and again when `attach SWEEP` runs a missing point from that record.

import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { paramText, parseExactJson } from '../../src/config/param-value.js';
import type { SweepRecord } from '../../src/sweep/sweep-store.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import type { BatchJson } from './helpers.js';

// Writes Python's repr of every param it got, so the test sees types as well as values.
const REPR_JOB = [
  'import json, os',
  'p = json.loads(os.environ["KAGGLE_RUN_PARAMS"])',
  'os.makedirs("out", exist_ok=True)',
  'open("out/params.txt", "w").write(repr(sorted((k, v) for k, v in p.items() if k != "key")))',
  '',
].join('\n');

async function project(t: TestContext, yaml: string, inputs = ''): Promise<string> {
  const dir = join(await tempDir(t), 'exact');
  await mkdir(dir);
  await writeFile(join(dir, 'job.py'), REPR_JOB);
  await writeFile(join(dir, 'inputs.jsonl'), inputs);
  await writeFile(join(dir, 'kaggle-run.yaml'), `name: exact\nentry: job.py\n${yaml}`);
  return dir;
}

/** Drops a point's run and marks it never run, as after a crash before its push. */
async function forgetPoint(dir: string, sweepId: string, index: number): Promise<string> {
  const file = join(dir, '.kaggle-run', 'sweeps', sweepId, 'sweep.json');
  const text = await readFile(file, 'utf8');
  const runId = (parseExactJson(text) as SweepRecord).points[index]!.runId!;
  await rm(join(dir, '.kaggle-run', 'runs', runId), { recursive: true });
  await writeFile(
    file,
    text.replace(`"runId": "${runId}"`, '"runId": null').replace(
      // The point's own status line follows its run id.
      /("runId": null,\s*"status": )"complete"/,
      '$1"pending"',
    ),
  );
  return text;
}

void test('batch items from JSON lines reach the program exactly, also when attach re-runs a chunk', async (t) => {
  const dir = await project(
    t,
    'batch: {file: inputs.jsonl, per_session: 1, id: key}\n',
    '{"key": "a", "big": 12345678901234567890, "one": 1.0, "neg": -0.0, "tiny": 1e-300}\n' +
      '{"key": "b", "nan": NaN, "inf": Infinity, "ninf": -Infinity, "edge": 9007199254740993}\n',
  );
  const result = await runCli(['run', dir, '--json']);
  assert.equal(result.code, 0, result.stderr);
  const batch = JSON.parse(result.stdout) as BatchJson;
  const outputs = join(dir, '.kaggle-run', 'sweeps', batch.sweepId, 'outputs', 'items');
  const expected = {
    a: "[('big', 12345678901234567890), ('neg', -0.0), ('one', 1.0), ('tiny', 1e-300)]",
    b: "[('edge', 9007199254740993), ('inf', inf), ('nan', nan), ('ninf', -inf)]",
  };
  for (const [id, repr] of Object.entries(expected))
    assert.equal(await readFile(join(outputs, id, 'out/params.txt'), 'utf8'), repr);

  // The record keeps them as KAGGLE_RUN_PARAMS writes them, not as strings.
  const text = await forgetPoint(dir, batch.sweepId, 1);
  for (const token of ['12345678901234567890', '1.0', '-0.0', 'NaN', '-Infinity'])
    assert.match(text, new RegExp(`: ${token.replace(/[.]/g, '\\.')}\\b`), token);
  assert.doesNotMatch(text, /: "(nan|inf|12345678901234567890)"/);
  await rm(join(outputs, 'b'), { recursive: true });
  const attached = await runCli(['attach', batch.sweepId, '--json'], { cwd: dir });
  assert.equal(attached.code, 0, attached.stderr);
  assert.equal(await readFile(join(outputs, 'b', 'out/params.txt'), 'utf8'), expected.b);
});

void test('sweep values keep their type in the record and when attach runs a missing point', async (t) => {
  const dir = await project(
    t,
    'params: {seed: 1, lr: 0.5}\nsweep: {seed: [12345678901234567890], lr: [1.0, .nan]}\n',
  );
  const result = await runCli(['run', dir, '--json']);
  assert.equal(result.code, 0, result.stderr);
  const sweep = JSON.parse(result.stdout) as { sweepId: string };
  const file = join(dir, '.kaggle-run', 'sweeps', sweep.sweepId, 'sweep.json');
  const record = parseExactJson(await readFile(file, 'utf8')) as SweepRecord;
  assert.deepEqual(
    record.points.map((p) => `${paramText(p.params.seed!)} ${paramText(p.params.lr!)}`),
    ['12345678901234567890 1.0', '12345678901234567890 nan'],
  );
  await forgetPoint(dir, sweep.sweepId, 1);
  const attached = await runCli(['attach', sweep.sweepId, '--json'], { cwd: dir });
  assert.equal(attached.code, 0, attached.stderr);
  const resumed = parseExactJson(await readFile(file, 'utf8')) as SweepRecord;
  const rerun = resumed.points[1]!;
  const runJson = await readFile(
    join(dir, '.kaggle-run', 'runs', rerun.runId!, 'run.json'),
    'utf8',
  );
  assert.match(runJson, /"outputDir": "([^"]+)"/);
  const outputDir = /"outputDir": "([^"]+)"/.exec(runJson)![1]!;
  assert.equal(
    await readFile(join(outputDir, 'out/params.txt'), 'utf8'),
    "[('lr', nan), ('seed', 12345678901234567890)]",
  );
});
