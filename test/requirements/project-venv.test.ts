// Local requirements go into the project's own venv in .kaggle-run/venv/, made once and
// reused while the requirements and the interpreter stay the same; the user's interpreter is
// never changed; a failed install is a setup failure with pip's last lines. Offline: the
// packages are wheels built here, installed with --no-index.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from '../../src/run/record.js';
import { probePython } from '../../src/platform/local/python.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { buildWheel } from '../helpers/wheels.js';

const program = [
  'import sys, kr_tiny_a',
  'print("tiny says", kr_tiny_a.VALUE)',
  'print("prefix", sys.prefix)',
  '',
].join('\n');

async function project(root: string, wheels: string, requirement: string): Promise<void> {
  await writeFile(join(root, 'main.py'), program);
  await writeFile(
    join(root, 'kaggle-run.yaml'),
    [
      'name: venv-test',
      'entry: main.py',
      'requirements:',
      '  - --no-index',
      `  - --find-links ${wheels}`,
      `  - ${requirement}`,
      '',
    ].join('\n'),
  );
}

async function venvs(root: string): Promise<string[]> {
  return (await readdir(join(root, '.kaggle-run', 'venv')).catch(() => [])).sort();
}

void test('requirements install into a per-project venv, reused until they change', async (t) => {
  const python = (await probePython('python3'))?.executable;
  assert.ok(python !== undefined, 'python3 runs');
  const wheels = await tempDir(t);
  const root = await tempDir(t);
  await buildWheel(python, wheels, {
    name: 'kr-tiny-a',
    version: '1.0',
    module: 'kr_tiny_a',
    code: 'from kr_tiny_b import BASE\nVALUE = BASE + 1\n',
    requires: ['kr-tiny-b'],
  });
  await buildWheel(python, wheels, {
    name: 'kr-tiny-a',
    version: '2.0',
    module: 'kr_tiny_a',
    code: 'VALUE = 200\n',
  });
  await buildWheel(python, wheels, {
    name: 'kr-tiny-b',
    version: '1.0',
    module: 'kr_tiny_b',
    code: 'BASE = 41\n',
  });
  await project(root, wheels, 'kr-tiny-a==1.0');
  const env = { KAGGLE_RUN_PYTHON: python, KAGGLE_RUN_NO_SANDBOX: '1' };

  const first = await runCli(['run', root], { env });
  assert.equal(first.code, 0, first.stderr + first.stdout);
  const all = first.stdout + first.stderr;
  assert.match(all, /tiny says 42/);
  assert.match(all, /Successfully installed kr-tiny-a-1\.0 kr-tiny-b-1\.0/);
  assert.match(all, /requirements: installed into \.kaggle-run\/venv\/[0-9a-f]{16}/);
  const [made] = await venvs(root);
  assert.ok(made !== undefined);
  assert.match(all, new RegExp(`prefix ${join(root, '.kaggle-run', 'venv', made)}`));
  // The interpreter the venv was made from did not get the package.
  assert.throws(() => execFileSync(python, ['-c', 'import kr_tiny_a'], { stdio: 'pipe' }));

  // With the index gone (no network), the second run needs nothing from it: the venv is the
  // local platform's cache of the installed requirements.
  await rename(wheels, `${wheels}.away`);
  const second = await runCli(['run', root], { env });
  await rename(`${wheels}.away`, wheels);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout + second.stderr, /tiny says 42/);
  assert.match(second.stdout + second.stderr, /nothing installed/);
  assert.doesNotMatch(second.stdout + second.stderr, /Successfully installed/);
  assert.deepEqual(await venvs(root), [made]);

  // New requirements: a new venv, and the old one goes.
  await project(root, wheels, 'kr-tiny-a==2.0');
  const third = await runCli(['run', root], { env });
  assert.equal(third.code, 0, third.stderr);
  assert.match(third.stdout + third.stderr, /tiny says 200/);
  const now = await venvs(root);
  assert.equal(now.length, 1);
  assert.notEqual(now[0], made);
});

void test("a failed install is a setup failure with pip's last lines, and leaves no venv", async (t) => {
  const python = (await probePython('python3'))?.executable;
  assert.ok(python !== undefined);
  const wheels = await tempDir(t);
  const root = await tempDir(t);
  await project(root, wheels, 'kr-tiny-missing==9.9');
  const env = { KAGGLE_RUN_PYTHON: python, KAGGLE_RUN_NO_SANDBOX: '1' };
  const result = await runCli(['run', root, '--json'], { env });
  assert.equal(result.code, 2, result.stderr);
  assert.match(
    result.stdout,
    /installing the requirements failed \(exited with code 1\); pip's last lines:/,
  );
  assert.match(result.stdout, /No matching distribution found for kr-tiny-missing==9\.9/);
  assert.doesNotMatch(result.stderr, /tiny says/);
  assert.deepEqual(await venvs(root), []);
  const runs = await readdir(join(root, '.kaggle-run', 'runs'));
  assert.equal(runs.length, 1);
  const record = JSON.parse(
    await readFile(join(root, '.kaggle-run', 'runs', runs[0] ?? '', 'run.json'), 'utf8'),
  ) as RunRecord;
  assert.equal(record.status, 'error');
  assert.equal(record.step, 'installing');
  assert.equal(record.error?.kind, 'usage');
  assert.match(record.error?.message ?? '', /No matching distribution/);
});
