import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { probePython } from '../../src/platform/local/python.js';
import { tempDir } from '../helpers/temp.js';
import { buildWheel } from '../helpers/wheels.js';
import { baseSettings, makeZip, runHarness } from './helpers.js';

/** The files of a folder, keyed by their path under `prefix`, as runHarness places inputs. */
async function asInputs(folder: string, prefix: string): Promise<Record<string, Buffer>> {
  const inputs: Record<string, Buffer> = {};
  for (const name of await readdir(folder)) {
    inputs[`${prefix}/${name}`] = await readFile(join(folder, name));
  }
  return inputs;
}

void test('wheel cache: the first session keeps its wheels, a later one installs from them with no index, other requirements build a new one', async (t) => {
  const base = (await probePython('python3'))?.executable;
  assert.ok(base !== undefined);
  const dir = await tempDir(t);
  const venv = (name: string): string => {
    // A fresh environment per session, as on Kaggle: nothing is installed already.
    execFileSync(base, ['-m', 'venv', '--without-pip', '--system-site-packages', join(dir, name)]);
    return join(dir, name, 'bin', 'python');
  };
  const index = join(dir, 'index');
  await buildWheel(base, index, {
    name: 'kr-cache-a',
    version: '1.0',
    module: 'kr_cache_a',
    code: 'VALUE = "a from a wheel"\n',
    requires: ['kr-cache-b'],
  });
  await buildWheel(base, index, {
    name: 'kr-cache-b',
    version: '2.0',
    module: 'kr_cache_b',
    code: 'VALUE = "b"\n',
  });
  const zip = await makeZip({
    'train.py': 'import kr_cache_a, kr_cache_b\nprint(kr_cache_a.VALUE, kr_cache_b.VALUE)\n',
  });
  const packages = ['--no-index', `--find-links ${index}`, 'kr-cache-a==1.0'];

  const first = await runHarness(
    t,
    baseSettings({ requirements: { packages }, wheelCache: { key: 'k1', from: null } }),
    { zip, python: venv('v1') },
  );
  assert.equal(first.code, 0, first.stderr + first.stdout);
  assert.match(first.stdout, /a from a wheel b/);
  const kept = join(first.working, 'kaggle-run-wheels');
  assert.deepEqual((await readdir(kept)).sort(), [
    'key.txt',
    'kr_cache_a-1.0-py3-none-any.whl',
    'kr_cache_b-2.0-py3-none-any.whl',
  ]);
  assert.match(await readFile(join(kept, 'key.txt'), 'utf8'), /^k1 python3\.\d+\n$/);
  assert.deepEqual(first.manifest?.wheelCache, { key: 'k1', installedFrom: 'index', kept: true });
  assert.ok(
    !(first.manifest?.files ?? []).some((f) => f.path.startsWith('kaggle-run-wheels')),
    'the kept wheels are not among the outputs',
  );

  // The index is gone: only the kept wheels, given as an input, can satisfy the install.
  const inputs = await asInputs(kept, 'prev/kaggle-run-wheels');
  await rm(index, { recursive: true });
  const second = await runHarness(
    t,
    baseSettings({
      requirements: { packages },
      wheelCache: { key: 'k1', from: 'prev/kaggle-run-wheels' },
    }),
    { zip, python: venv('v2'), inputs },
  );
  assert.equal(second.code, 0, second.stderr + second.stdout);
  assert.match(second.stdout, /installing requirements from the wheel cache k1 \(no index\)/);
  assert.match(second.stdout, /Successfully installed kr-cache-a-1\.0 kr-cache-b-2\.0/);
  assert.match(second.stdout, /a from a wheel b/);
  assert.ok(!existsSync(join(second.working, 'kaggle-run-wheels')), 'nothing rebuilt');
  assert.deepEqual(second.manifest?.wheelCache, { key: 'k1', installedFrom: 'cache', kept: false });

  // Other requirements (another key): the old wheels are not used; a new cache is built.
  const other = join(dir, 'other');
  await buildWheel(base, other, {
    name: 'kr-cache-c',
    version: '3.0',
    module: 'kr_cache_c',
    code: 'VALUE = "c"\n',
  });
  const third = await runHarness(
    t,
    baseSettings({
      requirements: { packages: ['--no-index', `--find-links ${other}`, 'kr-cache-c==3.0'] },
      wheelCache: { key: 'k2', from: 'prev/kaggle-run-wheels' },
    }),
    { zip: await makeZip({ 'train.py': 'import kr_cache_c\n' }), python: venv('v3'), inputs },
  );
  assert.equal(third.code, 0, third.stderr + third.stdout);
  assert.match(
    third.stdout,
    /the wheel cache at prev\/kaggle-run-wheels is for other requirements or another Python \(k1 python3\.\d+\)/,
  );
  assert.doesNotMatch(third.stdout, /from the wheel cache k/);
  const rebuilt = join(third.working, 'kaggle-run-wheels');
  assert.deepEqual((await readdir(rebuilt)).sort(), ['key.txt', 'kr_cache_c-3.0-py3-none-any.whl']);
  assert.match(await readFile(join(rebuilt, 'key.txt'), 'utf8'), /^k2 python3\.\d+\n$/);
});

void test('wheel cache: wheels that no longer install fall back to a normal install, which keeps them again', async (t) => {
  const base = (await probePython('python3'))?.executable;
  assert.ok(base !== undefined);
  const dir = await tempDir(t);
  execFileSync(base, ['-m', 'venv', '--without-pip', '--system-site-packages', join(dir, 'v')]);
  const index = join(dir, 'index');
  await buildWheel(base, index, {
    name: 'kr-cache-d',
    version: '1.0',
    module: 'kr_cache_d',
    code: 'VALUE = "d"\n',
  });
  const version = execFileSync(base, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], {
    encoding: 'utf8',
  }).trim();
  // A cache whose key matches but whose newest wheel is damaged (pip picks it, and fails).
  // It lies where the older flat input layout puts another kernel's output (<slug>/).
  const run = await runHarness(
    t,
    baseSettings({
      requirements: { packages: ['--no-index', `--find-links ${index}`, 'kr-cache-d'] },
      wheelCache: { key: 'k1', from: 'notebooks/me/prev/kaggle-run-wheels' },
    }),
    {
      zip: await makeZip({ 'train.py': 'import kr_cache_d\nprint(kr_cache_d.VALUE)\n' }),
      python: join(dir, 'v', 'bin', 'python'),
      inputs: {
        'prev/kaggle-run-wheels/key.txt': Buffer.from(`k1 python${version}\n`),
        'prev/kaggle-run-wheels/kr_cache_d-1.1-py3-none-any.whl': Buffer.from('not a zip'),
      },
    },
  );
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /installing requirements from the wheel cache k1/);
  assert.match(run.stderr + run.stdout, /installing from the wheel cache failed/);
  assert.match(run.stdout, /^d$/m);
  assert.ok(existsSync(join(run.working, 'kaggle-run-wheels', 'kr_cache_d-1.0-py3-none-any.whl')));
  assert.deepEqual(run.manifest?.wheelCache, { key: 'k1', installedFrom: 'index', kept: true });
});
