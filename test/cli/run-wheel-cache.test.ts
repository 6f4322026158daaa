// The wheel cache of the requirements, end to end and offline: the real CLI with --kaggle
// against a real `kaggle-run server`, the requirements served by a --find-links folder of
// wheels built here. The first run installs from it and keeps the wheels in its output; with
// the folder gone, the next run installs from that output; other requirements make another.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from '../../src/run/record.js';
import { PYTHON, kaggleEnv, startTestServer, tempDir } from '../server/helpers.js';
import { copyExample, runCli } from '../helpers/cli.js';
import { buildWheel } from '../helpers/wheels.js';

const PROGRAM =
  'import kr_wc_a\nimport os\nos.makedirs("results", exist_ok=True)\n' +
  'open("results/value.txt", "w").write(kr_wc_a.VALUE)\nprint("value", kr_wc_a.VALUE)\n';

/**
 * A server whose kernels run in a venv made anew before each session (as a Kaggle session
 * starts from its image), a --find-links folder with kr-wc-a (and kr-wc-b, which it then
 * requires), and the hello example running PROGRAM with a spec of the given requirements.
 */
async function setUp(t: TestContext, options: { withDependency: boolean }) {
  const dir = await tempDir(t);
  const venv = join(dir, 'session-env');
  const freshEnvironment = async () => {
    await rm(venv, { recursive: true, force: true });
    execFileSync(PYTHON, ['-m', 'venv', '--without-pip', '--system-site-packages', venv]);
  };
  await freshEnvironment();
  const server = await startTestServer(t, { python: join(venv, 'bin', 'python') });
  const env = await kaggleEnv(t);
  const index = join(dir, 'index');
  await buildWheel(PYTHON, index, {
    name: 'kr-wc-a',
    version: '1.0',
    module: 'kr_wc_a',
    code: 'VALUE = "from the wheel"\n',
    ...(options.withDependency ? { requires: ['kr-wc-b'] } : {}),
  });
  if (options.withDependency) {
    await buildWheel(PYTHON, index, {
      name: 'kr-wc-b',
      version: '1.0',
      module: 'kr_wc_b',
      code: '',
    });
  }
  const project = await copyExample(t, 'hello');
  await writeFile(join(project, 'train.py'), PROGRAM);
  const spec = (requirements: string[]) =>
    writeFile(
      join(project, 'kaggle-run.yaml'),
      `name: hello\nentry: train.py\nrequirements: ${JSON.stringify(requirements)}\n`,
    );
  await spec(['--no-index', `--find-links ${index}`, 'kr-wc-a==1.0']);
  return { dir, server, env, index, project, spec, freshEnvironment };
}

void test('run --kaggle: the first session keeps the wheels, the next installs from them with the index gone, a changed requirement makes a new cache', async (t) => {
  const { dir, server, env, index, project, spec, freshEnvironment } = await setUp(t, {
    withDependency: true,
  });
  await spec(['--no-index', `--find-links ${index}`, 'kr-wc-a==1.0']);
  const run = async () => {
    const result = await runCli(['run', project, '--kaggle', '--endpoint', server.url, '--json'], {
      env,
    });
    assert.equal(result.code, 0, result.stderr);
    const record = JSON.parse(result.stdout) as RunRecord;
    const value = await readFile(join(record.outputDir, 'results', 'value.txt'), 'utf8');
    assert.equal(value, 'from the wheel');
    return { record, log: result.stderr };
  };

  const first = await run();
  assert.equal(first.record.version, 1);
  const key = first.record.wheelCache?.key ?? '';
  assert.match(key, /^[0-9a-f]{16}$/);
  assert.deepEqual(first.record.wheelCache, {
    key,
    source: null,
    installedFrom: 'index',
    kept: true,
  });
  assert.match(first.log, /keeping the wheels of the requirements for the next session/);
  const memory = JSON.parse(
    await readFile(join(project, '.kaggle-run', 'cache', 'wheel-cache.json'), 'utf8'),
  ) as { holders: Record<string, { kernel: string; version: number; runId: string }> };
  assert.deepEqual(
    Object.values(memory.holders).map((h) => [h.kernel, h.version, h.runId]),
    [['me/kaggle-run-hello', 1, first.record.runId]],
  );
  assert.ok(
    !first.record.outputs.some((o) => o.path.includes('kaggle-run-wheels')),
    'the wheels are not fetched as outputs',
  );

  // The index is gone and the environment fresh: only the first run's output can serve. The
  // run pushes version 2 of the very kernel whose version 1 holds the wheels.
  await rm(index, { recursive: true });
  await freshEnvironment();
  const second = await run();
  assert.equal(second.record.version, 2);
  assert.deepEqual(second.record.wheelCache, {
    key,
    source: 'me/kaggle-run-hello/1',
    installedFrom: 'cache',
    kept: false,
  });
  assert.match(
    second.log,
    new RegExp(`installing requirements from the wheel cache ${key} \\(no index\\)`),
  );
  assert.match(second.log, /Successfully installed kr-wc-a-1\.0 kr-wc-b-1\.0/);

  // A changed requirement is another key: no cache is attached, a new one is kept.
  const index2 = join(dir, 'index2');
  await buildWheel(PYTHON, index2, {
    name: 'kr-wc-a',
    version: '1.1',
    module: 'kr_wc_a',
    code: 'VALUE = "from the wheel"\n',
  });
  await spec(['--no-index', `--find-links ${index2}`, 'kr-wc-a==1.1']);
  await freshEnvironment();
  const third = await run();
  const otherKey = third.record.wheelCache?.key ?? '';
  assert.notEqual(otherKey, key);
  assert.deepEqual(third.record.wheelCache, {
    key: otherKey,
    source: null,
    installedFrom: 'index',
    kept: true,
  });

  // Back to the first requirements, whose index is gone for good: version 1 still serves,
  // though the kernel's latest output (version 3) holds other wheels.
  await spec(['--no-index', `--find-links ${index}`, 'kr-wc-a==1.0']);
  await freshEnvironment();
  const fourth = await run();
  assert.deepEqual(fourth.record.wheelCache, {
    key,
    source: 'me/kaggle-run-hello/1',
    installedFrom: 'cache',
    kept: false,
  });
});

void test('run --kaggle: a remembered cache the platform cannot attach is dropped with a warning, and the session installs from the index', async (t) => {
  const { server, env, project, freshEnvironment } = await setUp(t, { withDependency: false });
  const first = await runCli(['run', project, '--kaggle', '--endpoint', server.url, '--json'], {
    env,
  });
  assert.equal(first.code, 0, first.stderr);
  // The memory names a version the server never had (its output was deleted, say).
  const path = join(project, '.kaggle-run', 'cache', 'wheel-cache.json');
  const memory = JSON.parse(await readFile(path, 'utf8')) as {
    holders: Record<string, { version: number }>;
  };
  for (const holder of Object.values(memory.holders)) holder.version = 9;
  await writeFile(path, JSON.stringify(memory));
  await freshEnvironment();

  const result = await runCli(['run', project, '--kaggle', '--endpoint', server.url, '--json'], {
    env,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stderr,
    /the wheel cache me\/kaggle-run-hello\/9 was not attached; the session installs the requirements from the index/,
  );
  const record = JSON.parse(result.stdout) as RunRecord;
  assert.equal(record.wheelCache?.installedFrom, 'index');
  assert.equal(record.wheelCache?.kept, true);
  const after = JSON.parse(await readFile(path, 'utf8')) as {
    holders: Record<string, { version: number }>;
  };
  assert.deepEqual(
    Object.values(after.holders).map((h) => h.version),
    [2],
  );
});
