// Usage errors and the CLI's own flags: exit 2 with a message saying what to do, and
// nothing written. Through main() in-process, no program started, so these stay in the
// fast tier; `--version` and `--help` go through the real entry, bin/kaggle-run.js.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, copyExample, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

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

void test('a bad flag or environment value is checked as in a file and names the flag or variable', async (t) => {
  const dir = await copyExample(t, 'hello');
  const home = await tempDir(t, 'kaggle-run-home-');
  const env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
  const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
    [['--accelerator', 'v100'], {}, /--accelerator: unknown accelerator "v100"; valid names:/],
    [[], { KAGGLE_RUN_ACCELERATOR: 'v100' }, /KAGGLE_RUN_ACCELERATOR: unknown accelerator/],
    [[], { KAGGLE_RUN_PLATFORM: 'cloud' }, /KAGGLE_RUN_PLATFORM: must be `local` or `kaggle`/],
    [['--kaggle', '--endpoint', 'localhost:8080'], {}, /--endpoint: "localhost:8080" is not/],
    [[], { KAGGLE_RUN_ENDPOINT: 'nope' }, /KAGGLE_RUN_ENDPOINT: "nope" is not an http/],
    [['--output', '*.txt', '--output', ' '], {}, /--output: must not be empty/],
    [['--timeout', 'soon'], {}, /--timeout: cannot read "soon" as a duration/],
    [['--queue-timeout', '13h'], {}, /--queue-timeout: timeout "13h" is over 12h/],
    [['--per-session', 'many'], {}, /--per-session: must be a whole number .*"many"/],
    [['--per-session', '2.5'], {}, /--per-session: must be a whole number, got a number \(2\.5\)/],
    [['--batch-mode', 'each'], {}, /--batch-mode: must be per-item or loop/],
    [
      ['--sweep', 'x=1,2', '--max-parallel', '0'],
      {},
      /--max-parallel: must be at least 1, got a number \(0\)/,
    ],
    [
      ['--sweep', 'x=1,2', '--max-parallel', '1.5'],
      {},
      /--max-parallel: must be a whole number, got a number \(1\.5\)/,
    ],
    [
      ['--sweep', 'x=1,2', '--max-hours', '-1'],
      {},
      /--max-hours: must be more than 0, got a number \(-1\)/,
    ],
    [
      ['--sweep', 'x=1,2', '--max-hours', 'soon'],
      {},
      /--max-hours: must be a number of hours, got .*"soon"/,
    ],
  ];
  for (const [flags, extra, message] of cases) {
    const result = await cli(['run', dir, ...flags], { env: { ...env, ...extra } });
    assert.equal(result.code, 2, `${flags.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
  const push = await cli(['push', dir, '--timeout', '0'], { env });
  assert.equal(push.code, 2, push.stderr);
  assert.match(push.stderr, /--timeout: timeout "0" must be more than zero/);
  assert.equal(existsSync(join(dir, '.kaggle-run')), false);
});
