// A local program failing on an import another Python on this machine has: the failure says
// which interpreter has it. Needs such a machine (here: python3 without nbformat, and
// /usr/bin/python3 with it); elsewhere the test is skipped, saying why.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { probePython } from '../../src/platform/local/python.js';
import { run } from '../../src/run/run.js';
import { tempDir } from '../helpers/temp.js';

void test('a failed import names the other interpreter that has the module', async (t) => {
  const first = await probePython('python3');
  const other = await probePython('/usr/bin/python3');
  if (first === undefined || other === undefined || first.executable === other.executable) {
    t.skip('needs python3 and /usr/bin/python3 to be different interpreters');
    return;
  }
  if (first.hasNotebookSupport || !other.hasNotebookSupport) {
    t.skip('needs nbformat in /usr/bin/python3 but not in python3');
    return;
  }
  const dir = join(await tempDir(t), 'imp');
  await mkdir(dir);
  await writeFile(join(dir, 'kaggle-run.yaml'), 'name: imp\nentry: main.py\n');
  await writeFile(join(dir, 'main.py'), 'import nbformat\n');
  const env = { ...process.env };
  delete env.KAGGLE_RUN_PYTHON;
  const record = await run({ dir, env });
  assert.equal(record.status, 'error');
  assert.equal(record.error?.kind, 'program');
  assert.match(
    record.error?.message ?? '',
    new RegExp(`nbformat is not importable by .*, but ${other.executable} .*has it`),
  );
  assert.ok(record.warnings.some((w) => w.includes(`KAGGLE_RUN_PYTHON=${other.executable}`)));
});
