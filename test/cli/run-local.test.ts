import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from '../../src/run/record.js';
import { sha256Hex } from '../../src/util/hash.js';
import { cli, copyExample, notebookPython, runCli } from '../helpers/cli.js';

void test('run --json on examples/hello: exit 0, one JSON document, verified outputs, record on disk', async (t) => {
  const dir = await copyExample(t, 'hello');
  const result = await runCli([
    'run',
    dir,
    '--json',
    '-p',
    'epochs=2',
    '-p',
    'message=it\'s "quoted"\nnewline',
  ]);
  assert.equal(result.code, 0, result.stderr);
  const record = JSON.parse(result.stdout) as RunRecord;
  for (const key of [
    'runId',
    'job',
    'platform',
    'kernel',
    'version',
    'status',
    'exitCode',
    'params',
    'codeHash',
    'startedAt',
    'endedAt',
    'outputDir',
    'outputs',
  ]) {
    assert.ok(key in record, `missing ${key}`);
  }
  assert.equal(record.status, 'complete');
  assert.equal(record.exitCode, 0);
  assert.equal(record.platform, 'local');
  assert.deepEqual(record.params, { epochs: 2, lr: 0.1, message: 'it\'s "quoted"\nnewline' });
  assert.deepEqual(
    record.outputs.map((o) => o.path),
    ['results/metrics.json', 'results/predictions.csv'],
  );
  for (const output of record.outputs) {
    const bytes = await readFile(join(record.outputDir, output.path));
    assert.equal(sha256Hex(bytes), output.sha256);
    assert.equal(bytes.length, output.size);
  }
  const metrics = JSON.parse(
    await readFile(join(record.outputDir, 'results/metrics.json'), 'utf8'),
  ) as { epochs: number };
  assert.equal(metrics.epochs, 2);
  assert.match(result.stderr, /epoch 2\/2/); // the program's log goes to stderr in --json mode
  assert.match(result.stderr, /it's "quoted"\nnewline/);
  const saved = JSON.parse(
    await readFile(join(dir, '.kaggle-run', 'runs', record.runId, 'run.json'), 'utf8'),
  ) as RunRecord;
  assert.deepEqual(saved, record);

  const shown = await cli(['show', record.runId, '--json'], { cwd: dir });
  assert.deepEqual(JSON.parse(shown.stdout), record);
  const logs = await cli(['logs', 'last'], { cwd: dir });
  assert.match(logs.stdout, /epoch 1\/2 loss=0\.9000/);
  const runs = await cli(['runs'], { cwd: dir });
  assert.match(runs.stdout, new RegExp(`${record.runId}\\s+complete\\s+local`));
  const outputs = await cli(['outputs', 'last', '--glob', '*/*.csv', '--dest', 'copied'], {
    cwd: dir,
  });
  assert.equal(outputs.code, 0, outputs.stderr);
  assert.equal(existsSync(join(dir, 'copied', 'results', 'predictions.csv')), true);
  assert.equal(existsSync(join(dir, 'copied', 'results', 'metrics.json')), false);
});

void test('profile quick and plain output: program log on stdout, summary on stderr', async (t) => {
  const dir = await copyExample(t, 'hello');
  const result = await cli(['run', '--profile', 'quick'], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^epoch 1\/1 /m);
  assert.doesNotMatch(result.stdout, /epoch 2/);
  assert.match(result.stderr, /\[kaggle-run\] complete in .*exit code 0/);
  assert.match(result.stderr, /output results\/metrics\.json .*verified/);
});

void test('a failing program exits 1 and its partial outputs still come back', async (t) => {
  const dir = await copyExample(t, 'hello');
  await writeFile(
    join(dir, 'train.py'),
    'import os\nos.makedirs("results", exist_ok=True)\nopen("results/checkpoint.txt", "w").write("partial")\nraise SystemExit(3)\n',
  );
  const result = await cli(['run', dir, '--json']);
  assert.equal(result.code, 1, result.stderr);
  const record = JSON.parse(result.stdout) as RunRecord;
  assert.equal(record.status, 'error');
  assert.equal(record.exitCode, 3);
  assert.equal(record.error?.kind, 'program');
  assert.deepEqual(
    record.outputs.map((o) => o.path),
    ['results/checkpoint.txt'],
  );
  assert.equal(await readFile(join(record.outputDir, 'results/checkpoint.txt'), 'utf8'), 'partial');
});

void test('timeout kills the program, exits 4, records timeout', async (t) => {
  const dir = await copyExample(t, 'hello');
  await writeFile(
    join(dir, 'train.py'),
    'import time\nprint("sleeping", flush=True)\ntime.sleep(60)\n',
  );
  const result = await cli(['run', dir, '--json', '--timeout', '2s']);
  assert.equal(result.code, 4, result.stderr);
  const record = JSON.parse(result.stdout) as RunRecord;
  assert.equal(record.status, 'timeout');
});

void test('secrets are never packed, and the user is told', async (t) => {
  const dir = await copyExample(t, 'hello');
  await writeFile(join(dir, 'kaggle.json'), '{"username":"me","key":"secret"}');
  await writeFile(join(dir, '.env'), 'TOKEN=secret');
  await writeFile(
    join(dir, 'train.py'),
    'import os\nprint(sorted(f for f in os.listdir(".") if not f.startswith("kaggle-run")))\n',
  );
  const result = await runCli(['run', dir]);
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stdout, /kaggle\.json|\.env/);
  assert.match(result.stderr, /not packed: \.env/);
  assert.match(result.stderr, /not packed: kaggle\.json/);
});

void test('examples/notebook: parameters injected, executed notebook kept', async (t) => {
  const python = await notebookPython();
  if (python === undefined) return t.skip('no python with nbclient + ipykernel here');
  const dir = await copyExample(t, 'notebook');
  const result = await runCli(
    ['run', dir, '--json', '-p', 'n=4', '-p', 'title=it\'s """tricky"""'],
    { env: { KAGGLE_RUN_PYTHON: python } },
  );
  assert.equal(result.code, 0, result.stderr);
  const record = JSON.parse(result.stdout) as RunRecord;
  assert.deepEqual(
    record.outputs.map((o) => o.path),
    ['analysis.executed.ipynb', 'squares.csv'],
  );
  const csv = await readFile(join(record.outputDir, 'squares.csv'), 'utf8');
  assert.equal(csv.trim().split(/\r?\n/).length, 5);
  const executed = await readFile(join(record.outputDir, 'analysis.executed.ipynb'), 'utf8');
  assert.match(executed, /injected-parameters/);
  assert.match(executed, /it's \\"\\"\\"tricky\\"\\"\\": 4 rows/);
});

void test('no config and no --entry, or a missing python: exit 2 with what to do', async (t) => {
  const dir = await copyExample(t, 'hello');
  await rm(join(dir, 'kaggle-run.yaml'));
  const none = await cli(['run', dir]);
  assert.equal(none.code, 2, none.stderr);
  assert.match(none.stderr, /init|--entry/);
  const withEntry = await cli(['run', dir, '--entry', 'train.py', '--json']);
  assert.equal(withEntry.code, 0, withEntry.stderr);
  const noPython = await cli(['run', dir, '--entry', 'train.py'], {
    env: { KAGGLE_RUN_PYTHON: join(dir, 'no-such-python') },
  });
  assert.equal(noPython.code, 2, noPython.stderr);
  assert.match(noPython.stderr, /python not found/);
});

void test('init writes a starter file that the next run uses', async (t) => {
  const dir = await copyExample(t, 'hello');
  await rm(join(dir, 'kaggle-run.yaml'));
  const init = await cli(['init', dir]);
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /entry: train\.py/);
  assert.equal((await cli(['init', dir])).code, 2);
  const run = await cli(['run', dir, '--json']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal((JSON.parse(run.stdout) as RunRecord).entry, 'train.py');
});

void test('two kaggle-run processes on one project at once: both runs recorded intact', async (t) => {
  const dir = await copyExample(t, 'hello');
  const [a, b] = await Promise.all([
    runCli(['run', dir, '--json', '-p', 'epochs=1']),
    runCli(['run', dir, '--json', '-p', 'epochs=2']),
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const ids = [a, b].map((r) => (JSON.parse(r.stdout) as RunRecord).runId);
  assert.notEqual(ids[0], ids[1]);
  const listed = JSON.parse((await cli(['runs', '--json'], { cwd: dir })).stdout) as RunRecord[];
  assert.deepEqual(listed.map((r) => r.runId).sort(), [...ids].sort());
  for (const record of listed) {
    assert.equal(record.status, 'complete');
    const metrics = JSON.parse(
      await readFile(join(record.outputDir, 'results/metrics.json'), 'utf8'),
    ) as { epochs: number };
    assert.equal(metrics.epochs, record.params.epochs);
  }
});
