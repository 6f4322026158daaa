import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp.js';
import { baseSettings, makeZip, renameEntry, runHarness, type HarnessRun } from './helpers.js';

async function assertRefused(run: HarnessRun, why: RegExp): Promise<void> {
  assert.equal(run.code, 2, run.stdout);
  assert.match(run.stderr, /\[kaggle-run\] error: refusing code archive entry/);
  assert.match(run.stderr, why);
  assert.match(run.stderr, /nothing was extracted/);
  assert.doesNotMatch(run.stderr, /Traceback/);
  assert.equal(run.manifest?.failedStep, 'unpack');
  assert.equal(run.manifest?.exitCode, null);
  // Not even the good entries were written: only the harness's own files are there.
  assert.deepEqual((await readdir(run.working)).sort(), [
    'kaggle-run-manifest.json',
    'kaggle-run.log',
  ]);
}

void test('an entry escaping with ../ is refused and nothing is written anywhere', async (t) => {
  const zip = renameEntry(
    await makeZip({ 'train.py': 'print(1)\n', 'zz/evil': 'pwned' }),
    'zz/evil',
    '../evil',
  );
  const run = await runHarness(t, baseSettings(), { zip });
  await assertRefused(run, /"\.\.\/evil": it escapes the target folder/);
  assert.equal(existsSync(join(run.dir, 'evil')), false);
});

void test('a deeper ../ escape is refused too', async (t) => {
  const zip = renameEntry(
    await makeZip({ 'train.py': 'print(1)\n', 'aa/bb/cc/evil': 'pwned' }),
    'aa/bb/cc/evil',
    'aa/../../evil',
  );
  const run = await runHarness(t, baseSettings(), { zip });
  await assertRefused(run, /escapes the target folder/);
  assert.equal(existsSync(join(run.dir, 'evil')), false);
});

void test('an absolute entry is refused and nothing is written there', async (t) => {
  const outside = await tempDir(t, 'kaggle-run-outside-');
  const target = join(outside, 'evil');
  const placeholder = 'x'.repeat(target.length);
  const zip = renameEntry(
    await makeZip({ 'train.py': 'print(1)\n', [placeholder]: 'pwned' }),
    placeholder,
    target,
  );
  const run = await runHarness(t, baseSettings(), { zip });
  await assertRefused(run, /it is an absolute path/);
  assert.equal(existsSync(target), false);
});

void test('a drive-letter entry and a symlink entry are refused', async (t) => {
  const drive = renameEntry(
    await makeZip({ 'train.py': 'print(1)\n', 'xx/evil': 'pwned' }),
    'xx/evil',
    'C:/evil',
  );
  await assertRefused(await runHarness(t, baseSettings(), { zip: drive }), /drive letter/);

  const link = await makeZip({
    'train.py': 'print(1)\n',
    escape: { data: '/etc/passwd', mode: 0o120777 },
  });
  await assertRefused(await runHarness(t, baseSettings(), { zip: link }), /symbolic link/);
});

void test('a harmless a/../b entry and executable bits are kept', async (t) => {
  const zip = renameEntry(
    await makeZip({
      'train.py':
        'import os\nprint("exec", os.access("tool.sh", os.X_OK))\nprint(open("b.txt").read())\n',
      'zzzz/b.txt': 'inside',
      'tool.sh': { data: '#!/bin/sh\n', mode: 0o100755 },
    }),
    'zzzz/b.txt',
    'a/../b.txt',
  );
  const run = await runHarness(t, baseSettings(), { zip });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^exec True$/m);
  assert.match(run.stdout, /^inside$/m);
});
