// The whole remote path, offline: the real CLI with --kaggle against a real
// `kaggle-run server` on 127.0.0.1 (kernels run on this machine's Python).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from '../../src/run/record.js';
import { sha256Hex } from '../../src/util/hash.js';
import { ME, kaggleEnv, release, startTestServer, tempDir, waitForGo } from '../server/helpers.js';
import { cli, copyExample, runCli } from '../helpers/cli.js';
import { waitUntil } from '../helpers/wait.js';

void test('run --kaggle --endpoint: pushed, log streamed, outputs verified, record has kernel and version', async (t) => {
  const server = await startTestServer(t);
  const dir = await copyExample(t, 'hello');
  const env = await kaggleEnv(t);
  const result = await runCli(
    ['run', dir, '--kaggle', '--endpoint', server.url, '--json', '-p', 'epochs=2'],
    { env },
  );
  assert.equal(result.code, 0, result.stderr);
  const record = JSON.parse(result.stdout) as RunRecord;
  assert.equal(record.platform, 'kaggle');
  assert.equal(record.kernel, 'me/kaggle-run-hello');
  assert.equal(record.version, 1);
  assert.equal(record.status, 'complete');
  assert.equal(record.endpoint, server.url);
  assert.deepEqual(
    record.outputs.map((o) => o.path),
    ['results/metrics.json', 'results/predictions.csv'],
  );
  for (const o of record.outputs)
    assert.equal(sha256Hex(await readFile(join(record.outputDir, o.path))), o.sha256);
  assert.match(result.stderr, /epoch 2\/2/);
  assert.doesNotMatch(
    result.stderr +
      result.stdout +
      (await readFile(join(dir, '.kaggle-run', 'runs', record.runId, 'run.json'), 'utf8')),
    new RegExp(ME.key),
  );
  assert.equal(server.stats().pushes['me/kaggle-run-hello'], 1);

  const again = await runCli(['run', dir, '--kaggle', '--endpoint', server.url, '--json'], { env });
  assert.equal(again.code, 0, again.stderr);
  assert.equal((JSON.parse(again.stdout) as RunRecord).version, 2);

  const status = await cli(['status', 'last', '--json'], { cwd: dir, env });
  assert.equal(status.code, 0, status.stderr);
  assert.equal((JSON.parse(status.stdout) as { remoteStatus: string }).remoteStatus, 'COMPLETE');
});

void test('a failing program on Kaggle exits 1 and partial outputs come back', async (t) => {
  const server = await startTestServer(t);
  const dir = await copyExample(t, 'hello');
  await writeFile(
    join(dir, 'train.py'),
    'import os\nos.makedirs("results", exist_ok=True)\nopen("results/ckpt.txt","w").write("half")\nraise SystemExit(5)\n',
  );
  const result = await cli(['run', dir, '--kaggle', '--endpoint', server.url, '--json'], {
    env: await kaggleEnv(t),
  });
  assert.equal(result.code, 1, result.stderr);
  const record = JSON.parse(result.stdout) as RunRecord;
  assert.equal(record.exitCode, 5);
  assert.deepEqual(
    record.outputs.map((o) => o.path),
    ['results/ckpt.txt'],
  );
});

void test('a source Kaggle cannot attach (reported in a 200 body) exits 2 naming it', async (t) => {
  const server = await startTestServer(t);
  const dir = await copyExample(t, 'hello');
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    (await readFile(join(dir, 'kaggle-run.yaml'), 'utf8')) + 'datasets: ["nobody/no-such-data"]\n',
  );
  const result = await cli(['run', dir, '--kaggle', '--endpoint', server.url], {
    env: await kaggleEnv(t),
  });
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /cannot attach datasets nobody\/no-such-data/);
});

void test('missing credentials: exit 2 and the message says where to put them', async (t) => {
  const server = await startTestServer(t);
  const dir = await copyExample(t, 'hello');
  const home = await tempDir(t);
  const result = await cli(['run', dir, '--kaggle', '--endpoint', server.url], {
    env: {
      HOME: home,
      KAGGLE_CONFIG_DIR: home,
      KAGGLE_USERNAME: '',
      KAGGLE_KEY: '',
      KAGGLE_API_TOKEN: '',
    },
  });
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /kaggle\.json/);
});

void test('the session cap makes a second GPU run wait, then it runs when a session frees', async (t) => {
  const server = await startTestServer(t, { gpuSessions: 1 });
  const env = await kaggleEnv(t);
  const slow = await copyExample(t, 'hello');
  // The first run holds the one GPU session until the second has been refused one.
  await writeFile(join(slow, 'train.py'), waitForGo('', 'print("slow done")'));
  const other = await copyExample(t, 'hello');
  await writeFile(
    join(other, 'kaggle-run.yaml'),
    'name: other\nentry: train.py\naccelerator: t4x2\n',
  );
  await writeFile(
    join(slow, 'kaggle-run.yaml'),
    'name: slow\nentry: train.py\naccelerator: t4x2\n',
  );
  const first = runCli(['run', slow, '--kaggle', '--endpoint', server.url, '--json'], { env });
  await waitUntil('the first run pushed', () => server.stats().pushes['me/kaggle-run-slow'], {
    timeoutMs: 60_000,
  });
  const secondDone = runCli(
    ['run', other, '--kaggle', '--endpoint', server.url, '--json', '--queue-timeout', '2m'],
    { env },
  );
  const saves = () => server.stats().requests['kernels.KernelsApiService/SaveKernel'] ?? 0;
  const pushed = () => Object.values(server.stats().pushes).reduce((a, b) => a + b, 0);
  await waitUntil('the second run refused a session', () => saves() > pushed(), {
    timeoutMs: 60_000,
  });
  await release(server, 'kaggle-run-slow', 1);
  const [firstResult, second] = await Promise.all([first, secondDone]);
  assert.equal(firstResult.code, 0, firstResult.stderr);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /Maximum batch GPU session count of 1 reached/);
  assert.match(second.stderr, /[Ww]aiting for a free session/);
});

void test('--code inline over the source limit is refused before any push, naming the dataset mode', async (t) => {
  const server = await startTestServer(t);
  const dir = await copyExample(t, 'hello');
  const { randomBytes } = await import('node:crypto');
  await writeFile(join(dir, 'weights.bin'), randomBytes(1200 * 1024));
  const result = await cli(['run', dir, '--kaggle', '--endpoint', server.url, '--code', 'inline'], {
    env: await kaggleEnv(t),
  });
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /over Kaggle's ~1 MiB limit/);
  assert.match(result.stderr, /code: dataset/);
  assert.equal(server.stats().pushes['me/kaggle-run-hello'] ?? 0, 0);
});

void test('through injected faults (429, 5xx, drops, truncated downloads, phantom 404s) the run completes verified', async (t) => {
  const server = await startTestServer(t, {
    faults: '429=0.1,500=0.1,503=0.05,drop=0.05,truncate=0.3,status404=0.5',
    faultSeed: 7,
  });
  const dir = await copyExample(t, 'hello');
  const result = await runCli(['run', dir, '--kaggle', '--endpoint', server.url, '--json'], {
    env: await kaggleEnv(t),
  });
  assert.equal(result.code, 0, result.stderr);
  const record = JSON.parse(result.stdout) as RunRecord;
  assert.equal(record.status, 'complete');
  for (const o of record.outputs) {
    assert.equal(sha256Hex(await readFile(join(record.outputDir, o.path))), o.sha256);
  }
  const stats = server.stats();
  assert.ok(
    Object.values(stats.faults).reduce((a, b) => a + b, 0) > 0,
    JSON.stringify(stats.faults),
  );
  assert.equal(stats.pushes['me/kaggle-run-hello'], 1);
});
