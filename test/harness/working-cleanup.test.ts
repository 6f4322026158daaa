// After the manifest, unchanged copies of the code leave the working folder: Kaggle saves
// that folder as the kernel's output, and a big project would otherwise be stored and listed
// there file by file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { baseSettings, makeZip, runHarness } from './helpers.js';

void test('unchanged code files and the folders they leave empty are gone; outputs and changed code stay', async (t) => {
  const zip = await makeZip({
    'train.py':
      'import os\nos.makedirs("out", exist_ok=True)\nopen("out/result.txt", "w").write("r")\nopen("config.txt", "a").write("changed")\nopen("pkg/keep/new.txt", "w").write("n")\n',
    'config.txt': 'original',
    'lib/deep/util.py': 'x = 1\n',
    'pkg/keep/mod.py': 'y = 2\n',
  });

  const run = await runHarness(t, baseSettings({ dropUnchangedCode: true }), { zip });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(
    run.manifest?.files.map((f) => f.path),
    ['config.txt', 'kaggle-run.log', 'out/result.txt', 'pkg/keep/new.txt'],
  );
  assert.equal(await readFile(join(run.working, 'config.txt'), 'utf8'), 'originalchanged');
  assert.ok(existsSync(join(run.working, 'out', 'result.txt')));
  assert.ok(!existsSync(join(run.working, 'train.py')));
  assert.ok(!existsSync(join(run.working, 'lib')), 'a folder of unchanged code goes entirely');
  assert.deepEqual(await readdir(join(run.working, 'pkg', 'keep')), ['new.txt']);
});

void test('without dropUnchangedCode (the local platform) the code stays where it was', async (t) => {
  const zip = await makeZip({ 'train.py': 'print(1)\n', 'lib/util.py': 'x = 1\n' });
  const run = await runHarness(t, baseSettings(), { zip });
  assert.equal(run.code, 0, run.stderr);
  assert.ok(existsSync(join(run.working, 'lib', 'util.py')));
});
