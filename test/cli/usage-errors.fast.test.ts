// Usage errors and the CLI's own flags: exit 2 with a message saying what to do, and
// nothing written. Through main() in-process, no program started, so these stay in the
// fast tier; `--version` and `--help` go through the real entry, bin/kaggle-run.js.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, copyExample, runCli } from '../helpers/cli.js';

void test('bad input: exit 2 with a clear message and nothing half-written', async (t) => {
  const dir = await copyExample(t, 'hello');
  const badParam = await cli(['run', dir, '-p', 'no-equals']);
  assert.equal(badParam.code, 2);
  assert.match(badParam.stderr, /-p/);
  const badProfile = await cli(['run', dir, '--profile', 'nope']);
  assert.equal(badProfile.code, 2);
  assert.match(badProfile.stderr, /quick/);
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    'name: hello\nentry: missing.py\nacceleratr: gpu\n',
  );
  const badConfig = await cli(['run', dir]);
  assert.equal(badConfig.code, 2);
  assert.match(badConfig.stderr, /did you mean .?accelerator/);
  const json = await cli(['run', dir, '--json']);
  assert.equal(json.code, 2);
  assert.equal((JSON.parse(json.stdout) as { error: { exitCode: number } }).error.exitCode, 2);
  assert.equal(existsSync(join(dir, '.kaggle-run', 'runs')), false);
  const readOnly = join(dir, 'ro');
  await mkdir(readOnly);
  await chmod(readOnly, 0o500);
  if (process.getuid?.() !== 0) {
    await writeFile(join(dir, 'kaggle-run.yaml'), 'name: hello\nentry: train.py\n');
    const unwritable = await cli(['run', dir, '--output-dir', join(readOnly, 'out')]);
    assert.equal(unwritable.code, 2);
    assert.match(unwritable.stderr, /not writable/);
  }
  const noDir = await cli(['run', join(dir, 'does-not-exist')]);
  assert.equal(noDir.code, 2);
});

void test('--version and --help exit 0; an unknown command exits 2', async () => {
  assert.equal((await runCli(['--version'])).code, 0);
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /run \[options\] \[dir\]/);
  assert.equal((await cli(['frobnicate'])).code, 2);
});

void test('a notebook without a parameters cell, given params: exit 2 before anything runs', async (t) => {
  const dir = await copyExample(t, 'notebook');
  const path = join(dir, 'analysis.ipynb');
  await writeFile(path, (await readFile(path, 'utf8')).replace('"parameters"', '"other"'));
  const result = await cli(['run', dir]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /no code cell tagged 'parameters'/);
  assert.equal(existsSync(join(dir, '.kaggle-run', 'runs')), false);
});
